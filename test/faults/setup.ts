import path from "node:path";
import type { ServerResponse } from "node:http";
import { sql } from "drizzle-orm";
import { queryRows, type Database } from "../../src/store/db.ts";
import { json, startFakeServer, type FakeServer, type RecordedRequest } from "../helpers/agent-server.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";

/** Eight cases; with `repeats` each, a run has 8 × repeats trials. */
export const GOLDEN_8 = `name: faults
cases:
${Array.from({ length: 8 }, (_, i) => `  - id: c${i}\n    input: "question ${i}"\n    assert:\n      - contains: "ok"\n`).join("")}`;

/**
 * An agent stand-in that answers every trial "ok" after `delayMs` and records the trial ids whose
 * reply it sent in full: each of those is a finished trial that must end up stored.
 */
export interface CountingAgent extends FakeServer {
  answered: Set<string>;
  /** How long each reply takes; may be changed. */
  delayMs: number;
}

export async function startCountingAgent(delayMs: number): Promise<CountingAgent> {
  const answered = new Set<string>();
  const state = { delayMs };
  const server = await startFakeServer(async (req: RecordedRequest, res: ServerResponse) => {
    const trial = String((req.body as { trial?: unknown } | undefined)?.trial ?? "");
    await new Promise((r) => setTimeout(r, state.delayMs));
    if (res.destroyed) return;
    res.on("finish", () => answered.add(trial));
    json(res, 200, { output: "ok" });
  });
  return Object.assign(server, {
    answered,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
  });
}

export interface FaultConfig {
  agentUrl: string;
  repeats?: number;
  concurrency?: number;
  server?: Record<string, string | number>;
  /** Extra YAML under the job (indented by the caller's 4 spaces). */
  jobExtra?: string;
}

/** One job `probe` (every minute, so the slot due at start runs at once) against an http agent. */
export function faultConfigYaml(o: FaultConfig): string {
  const server = { port: 0, ...o.server };
  return `database: \${DATABASE_URL}
agents:
  bot:
    kind: http
    url: ${o.agentUrl}
    body: { input: "{{input}}", trial: "{{trial_id}}" }
    timeout: 60s
jobs:
  probe:
    agent: bot
    golden: golden.yaml
    schedule: "* * * * *"
    timezone: UTC
    repeats: ${o.repeats ?? 2}
    concurrency: ${o.concurrency ?? 4}
${o.jobExtra ?? ""}notify:
  console: false
server:
${Object.entries(server)
  .map(([k, v]) => `  ${k}: ${v}`)
  .join("\n")}
`;
}

/** A config folder for `goldwatch serve` and a way to start processes on it. */
export async function faultService(yaml: string, databaseUrl: string, procs: ServeProcess[]) {
  const dir = await tempFiles({ "goldwatch.config.yaml": yaml, "golden.yaml": GOLDEN_8 });
  const serve = (url = databaseUrl, runtime: "node" | "bun" = "node") => {
    const p = startServe({ config: path.join(dir, "goldwatch.config.yaml"), env: { DATABASE_URL: url }, runtime });
    procs.push(p);
    return p;
  };
  return { dir, serve, spillDir: path.join(dir, ".goldwatch", "spill") };
}

/** `runId:caseId:repeat` of every stored trial. */
export async function storedTrialIds(database: Database, runId?: string): Promise<Set<string>> {
  const rows = await queryRows<{ run_id: string; case_id: string; repeat: number }>(
    database.db,
    runId ? sql`select run_id, case_id, repeat from trials where run_id = ${runId}` : sql`select run_id, case_id, repeat from trials`,
  );
  return new Set(rows.map((r) => `${r.run_id}:${r.case_id}:${r.repeat}`));
}

/** Finished trials (the agent sent the reply) that are not stored: must be empty. */
export function lostTrials(answered: Set<string>, stored: Set<string>): string[] {
  return [...answered].filter((t) => !stored.has(t));
}
