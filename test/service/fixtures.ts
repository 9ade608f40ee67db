import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { ServerResponse } from "node:http";
import { sql } from "drizzle-orm";
import { expect, vi } from "vitest";
import { loadConfig, type LoadedConfig } from "../../src/load/load.ts";
import { queryRows, type Database } from "../../src/store/db.ts";
import { json, startFakeServer, type FakeServer, type RecordedRequest } from "../helpers/agent-server.ts";
import { tempFiles } from "../helpers/fixtures.ts";

/** Two cases: `fast` is answered at once, `slow` when the test releases it (a run held mid-way). */
export const GOLDEN = `name: svc
cases:
  - id: fast
    input: "fast question"
    assert:
      - contains: "ok"
  - id: slow
    input: "slow question"
    assert:
      - contains: "ok"
`;

export interface JobOptions {
  schedule?: string;
  timezone?: string;
  grace?: string;
  catch_up?: number;
  repeats?: number;
}

/**
 * A config with one job `probe` against `agentUrl` (or the demo bot), and server options. With
 * `slackApiUrl`, pages go to #agent-oncall on that Slack Web API, with the token from SLACK_BOT_TOKEN.
 */
export function configYaml(
  opts: { agentUrl?: string; job?: JobOptions; server?: Record<string, string | number>; database?: string; slackApiUrl?: string } = {},
): string {
  const job = { schedule: "* * * * *", timezone: "UTC", repeats: 1, ...opts.job };
  const agent = opts.agentUrl
    ? `    kind: http\n    url: ${opts.agentUrl}\n    timeout: 60s\n`
    : `    kind: demo\n    quality: 1\n    latency: 0\n`;
  const server = { port: 0, ...opts.server };
  return `database: ${JSON.stringify(opts.database ?? "")}
agents:
  bot:
${agent}jobs:
  probe:
    agent: bot
    golden: golden.yaml
    schedule: ${JSON.stringify(job.schedule)}
    timezone: ${job.timezone}
    repeats: ${job.repeats}
    concurrency: 4
${job.grace ? `    grace: ${job.grace}\n` : ""}${job.catch_up !== undefined ? `    catch_up: ${job.catch_up}\n` : ""}notify:
  console: false
${opts.slackApiUrl ? `  slack: { token: "\${SLACK_BOT_TOKEN}", channel: "#agent-oncall", api_url: ${JSON.stringify(opts.slackApiUrl)} }\n` : ""}server:
${Object.entries(server)
  .map(([k, v]) => `  ${k}: ${v}`)
  .join("\n")}
`;
}

/** Writes the config and golden set into a temp folder and loads it (`${VAR}` references from `env`). */
export async function loadTestConfig(yaml: string, env: Record<string, string> = {}): Promise<LoadedConfig & { dir: string }> {
  const dir = await tempFiles({ "goldwatch.config.yaml": yaml, "golden.yaml": GOLDEN });
  return loadConfig(path.join(dir, "goldwatch.config.yaml"), { env });
}

/** Rewrites the config file of a loaded config. */
export async function rewriteConfig(dir: string, yaml: string): Promise<void> {
  await writeFile(path.join(dir, "goldwatch.config.yaml"), yaml);
}

/**
 * An agent whose `slow` case waits until `release()`; `fast` answers at once. `held` counts
 * requests waiting; `calls` counts all.
 */
export interface HeldAgent extends FakeServer {
  release(): void;
  held(): number;
  /** Resolves when at least `n` requests are held. */
  waitHeld(n: number): Promise<void>;
}

export async function startHeldAgent(): Promise<HeldAgent> {
  const waiting: (() => void)[] = [];
  let released = false;
  const watchers: { n: number; resolve(): void }[] = [];
  const notify = () => {
    for (const w of [...watchers])
      if (waiting.length >= w.n) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve();
      }
  };
  const server = await startFakeServer(async (req: RecordedRequest, res: ServerResponse) => {
    const input = JSON.stringify(req.body ?? "");
    if (input.includes("slow") && !released) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        notify();
        res.on("close", resolve);
      });
    }
    if (!res.destroyed) json(res, 200, { output: "ok" });
  });
  return Object.assign(server, {
    release() {
      released = true;
      for (const w of waiting.splice(0)) w();
    },
    held: () => waiting.length,
    waitHeld: (n: number) =>
      new Promise<void>((resolve) => {
        watchers.push({ n, resolve });
        notify();
      }),
  });
}

/** The id of the run going now, once it has stored a trial (its fast case): the run is under way. */
export async function runningRunWithTrials(database: Database): Promise<string> {
  let id = "";
  await vi.waitFor(
    async () => {
      const [row] = await queryRows<{ id: string; n: number }>(
        database.db,
        sql`select r.id, (select count(*) from trials t where t.run_id = r.id)::int as n from runs r where r.status = 'running'`,
      );
      expect(Number(row?.n)).toBeGreaterThanOrEqual(1);
      id = row!.id;
    },
    { timeout: 30_000, interval: 100 },
  );
  return id;
}
