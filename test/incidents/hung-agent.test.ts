// A hung agent, tried as a new user would: a stand-in agent on loopback that accepts the request
// and never answers, `goldwatch run` as a real process. No reply is an agent error: the trials are
// stored as `error`/`timeout`, counted in the error rate and "agent down", never in accuracy,
// whether the trial's ttl or the agent's timeout cuts them (small values keep the test quick).
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/store/db.ts";
import { trials } from "../../src/store/schema.ts";
import { startFakeServer, type FakeServer } from "../helpers/agent-server.ts";
import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/slack-server.ts";

const exec = promisify(execFile);
const BIN = path.resolve("bin/goldwatch.js");

const golden = `name: support
cases:
  - { id: refund-window, input: "How long do I have to return an annual plan?", assert: [{ contains: "30 days" }] }
  - { id: pro-price, input: "What does the pro plan cost?", assert: [{ contains: "$29" }] }
`;

const job = (agent: string) => `    agent: ${agent}
    golden: support.yaml
    schedule: "0 * * * *"
    repeats: 3
    concurrency: 6
`;

describe("a hung agent", () => {
  let agent: FakeServer;
  let slack: FakeSlack;
  let dir: string;
  let url = "";
  let server: Database | undefined;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    agent = await startFakeServer(() => new Promise<void>(() => undefined)); // accepts, never answers
    cleanup.push(() => agent.close());
    slack = await startFakeSlack({ token: "xoxb-hung-test" });
    cleanup.push(() => slack.close());
    if (serverUrl) {
      const db = await serverDatabase();
      cleanup.push(() => db.close());
      url = db.url;
      server = db;
    }
    dir = await tempFiles({ "support.yaml": golden });
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const agentConfig = (timeout: string) => `kind: http
    url: ${agent.url}/agent
    timeout: ${timeout}
    response: { output: $.answer }
    pricing: { input_per_mtok: 3.0, output_per_mtok: 15.0 }`;
    await writeFile(
      path.join(dir, "goldwatch.config.yaml"),
      `database: "${url}"
agents:
  hung-ttl:
    ${agentConfig("5s")}
  hung-timeout:
    ${agentConfig("300ms")}
jobs:
  ttl-first:
${job("hung-ttl")}    budget: { trial: { ttl: 300ms, tokens: 20000 } }
  timeout-first:
${job("hung-timeout")}    budget: { trial: { ttl: 3s } }
notify:
  slack: { token: "\${GW_TEST_SLACK_TOKEN}", channel: "#agent-oncall", api_url: "${slack.apiUrl}" }
`,
    );
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function run(job: string) {
    const res = await exec(process.execPath, [BIN, "run", job, "--json", "--config", path.join(dir, "goldwatch.config.yaml")], {
      env: { ...process.env, DATABASE_URL: "", GW_TEST_SLACK_TOKEN: "xoxb-hung-test", LOG_LEVEL: "silent" },
      maxBuffer: 10 * 1024 * 1024,
    }).catch((e: { stdout: string }) => e);
    return JSON.parse(res.stdout);
  }

  it.each([
    ["ttl-first", "no reply within 0.3 s (budget.trial.ttl)"],
    ["timeout-first", "no reply within 300 ms"],
  ])(
    "%s: every trial is an agent timeout, accuracy is untouched, and agent down pages",
    async (jobName, message) => {
      const summary = await run(jobName);
      expect(summary).toMatchObject({
        status: "completed",
        trials: 6,
        errored: 6,
        errorRate: 1,
        scored: 0,
        passed: 0,
        budgetExceeded: 0,
        runaway: 0,
        accuracy: null,
      });
      const detectors = summary.findings.map((f: { detector: string }) => f.detector);
      expect(detectors).toContain("errors");
      expect(detectors).not.toContain("threshold");
      expect(detectors).not.toContain("runaway");
      const down = summary.findings.find((f: { detector: string }) => f.detector === "errors");
      expect(down.summary).toMatch(/^agent down\? 6 of 6 trials got no usable reply \(100\.0%/);

      // Opened after the process exited (the embedded database has one owner at a time).
      const embedded = server ? undefined : await openDatabase({ dataDir: path.join(dir, ".goldwatch", "pgdata") });
      const rows = await (server ?? embedded)!.db.select().from(trials).where(eq(trials.runId, summary.runId));
      await embedded?.close();
      expect(rows).toHaveLength(6);
      for (const r of rows) expect(r).toMatchObject({ status: "error", errorKind: "timeout", errorMessage: message, passed: false });

      const pages = slack.roots().map((m) => [m.text, ...m.attachments.map((a) => a.fallback ?? "")].join("\n"));
      expect(pages.some((p) => p.includes(`FIRING ${jobName}`) && p.includes("agent down? 6 of 6 trials got no usable reply"))).toBe(true);
    },
    180_000,
  ); // the first process creates the embedded database
});
