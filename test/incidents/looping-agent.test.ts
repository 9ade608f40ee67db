// A looping agent, tried as a new user would: a stand-in agent on loopback whose every reply is
// 40 identical tool calls and 400k tokens, a job with budget.trial and no budget.run, the
// shipped defaults otherwise, `goldwatch run` as a real process. The first run must stop early
// and page a runaway finding naming the bound, the count and the spend.
import { execFile } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";
import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/slack-server.ts";

const exec = promisify(execFile);
const BIN = path.resolve("bin/goldwatch.js");
const CASES = 40;
const REPEATS = 5;
// $3 / $15 per million: 390k in + 10k out = $1.32 a reply, $264 for the whole run unbounded.
const PER_TRIAL_USD = (390_000 * 3 + 10_000 * 15) / 1e6;

const golden = `name: support
cases:
${Array.from({ length: CASES }, (_, i) => `  - { id: case-${i}, input: "question ${i}", assert: [{ contains: "30 days" }] }`).join("\n")}
`;

describe("a looping agent on the first run", () => {
  let agent: FakeServer;
  let slack: FakeSlack;
  let dir: string;
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    agent = await startFakeServer((_req, res) =>
      json(res, 200, {
        answer: "let me search again",
        trace: Array.from({ length: 40 }, () => ({ tool: "search_kb", args: { q: "refund window" }, result: [] })),
        usage: { prompt_tokens: 390_000, completion_tokens: 10_000 },
        model: "loopy-2024-01-01",
      }),
    );
    cleanup.push(() => agent.close());
    slack = await startFakeSlack({ token: "xoxb-looping-test" });
    cleanup.push(() => slack.close());
    let database = "";
    if (serverUrl) {
      const db = await serverDatabase();
      cleanup.push(() => db.close());
      database = db.url;
    }
    dir = await tempFiles({ "support.yaml": golden });
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, "goldwatch.config.yaml"),
      `database: "${database}"
agents:
  looper:
    kind: http
    url: ${agent.url}/agent
    response:
      output: $.answer
      steps: $.trace
      input_tokens: $.usage.prompt_tokens
      output_tokens: $.usage.completion_tokens
      model: $.model
    pricing: { input_per_mtok: 3.0, output_per_mtok: 15.0 }
jobs:
  support-hourly:
    agent: looper
    golden: support.yaml
    schedule: "0 * * * *"
    repeats: ${REPEATS}
    budget:
      trial: { tokens: 20000, usd: 0.50, steps: 15 }
notify:
  slack: { token: "\${GW_TEST_SLACK_TOKEN}", channel: "#agent-oncall", api_url: "${slack.apiUrl}" }
`,
    );
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("stops early, spends under 20% of the unbounded run, and pages runaway with the bound, the count and the spend", async () => {
    const res = await exec(
      process.execPath,
      [BIN, "run", "support-hourly", "--json", "--config", path.join(dir, "goldwatch.config.yaml")],
      {
        env: { ...process.env, DATABASE_URL: "", GW_TEST_SLACK_TOKEN: "xoxb-looping-test", LOG_LEVEL: "silent" },
        maxBuffer: 10 * 1024 * 1024,
      },
    ).catch((e: { code: number; stdout: string; stderr: string }) => e);
    // Exit 1: the run did not complete.
    expect("code" in res ? res.code : 0).toBe(1);
    const summary = JSON.parse(res.stdout);
    const total = CASES * REPEATS;
    expect(summary).toMatchObject({ status: "runaway", cases: CASES, repeats: REPEATS, passed: 0, runBudget: null });
    // Decided after the first 10 trials (default concurrency 4): no more start before the rule decides.
    expect(summary.trials).toBe(10);
    expect(agent.requests.length).toBe(summary.trials);
    expect(summary.runawayBy).toEqual({ tokens: summary.trials });
    const unbounded = total * PER_TRIAL_USD;
    expect(summary.costUsd).toBeCloseTo(summary.trials * PER_TRIAL_USD, 6);
    expect(summary.costUsd / unbounded).toBeLessThan(0.2);

    const runaway = summary.findings.find((f: { detector: string }) => f.detector === "runaway");
    expect(runaway).toBeDefined();
    const n = summary.trials;
    expect(runaway.summary).toBe(
      `run stopped for runaway after ${n} trials: ${n} of ${n} ran away (${n} hit budget.trial.tokens); $${summary.costUsd.toFixed(2)} spent`,
    );
    expect(runaway.evidence).toMatchObject({ runaway: n, runawayBy: { tokens: n }, rule: "stopped" });

    // The page reached Slack before `goldwatch run` exited.
    const text = slack.roots().map((m) => [m.text, ...m.attachments.map((a) => a.fallback ?? "")].join("\n"));
    expect(text.join("\n")).toContain(`runaway: run stopped for runaway after ${n} trials`);
    expect(text.join("\n")).toContain("budget.trial.tokens");
  }, 180_000); // the process creates the embedded database
});
