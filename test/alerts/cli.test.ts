import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli.ts";
import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/slack-server.ts";

const GOLDEN = `name: support
cases:
  - id: refund-window
    input: "How long do I have to return an annual plan?"
    assert: [{ contains: "30 days" }]
  - id: pro-price
    input: "What does the pro plan cost?"
    assert: [{ contains: "$29" }]
`;

const job = (name: string) =>
  `  ${name}: { agent: bot, golden: golden.yaml, schedule: "0 * * * *", repeats: 2, alerts: { accuracy_below: 0.9 } }\n`;

/** Runs `goldwatch …` in this process and returns its exit code and stdout. */
async function goldwatch(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const so = vi.spyOn(process.stdout, "write").mockImplementation((c) => (out.push(String(c)), true));
  const se = vi.spyOn(process.stderr, "write").mockImplementation((c) => (err.push(String(c)), true));
  try {
    const code = await main(args);
    return { code, out: out.join(""), err: err.join("") };
  } finally {
    so.mockRestore();
    se.mockRestore();
  }
}

describe("goldwatch run delivers before exiting; goldwatch silence", () => {
  let slack: FakeSlack;
  let config: string;
  const env = { ...process.env };
  const cleanup: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack({ token: "xoxb-cli-test-token" });
    cleanup.push(() => slack.close());
    let database = "";
    if (serverUrl) {
      // A fast server schema when there is one; else the embedded database in the temp folder.
      const db = await serverDatabase();
      cleanup.push(() => db.close());
      database = db.url;
    }
    const dir = await tempFiles({ "golden.yaml": GOLDEN });
    config = path.join(dir, "goldwatch.config.yaml");
    await writeFile(
      config,
      `database: "${database}"
agents:
  bot: { kind: demo, quality: 0, latency: 1 }
jobs:
${job("support-hourly")}${job("quiet-job")}notify:
  slack: { token: "\${GW_TEST_SLACK_TOKEN}", channel: "#agent-oncall", api_url: "${slack.apiUrl}" }
  delivery: { drain_timeout: 20s }
server: { public_url: "https://gw.example.com" }
`,
    );
    process.env.GW_TEST_SLACK_TOKEN = "xoxb-cli-test-token";
    process.env.LOG_LEVEL = "silent";
  });
  afterAll(async () => {
    process.env = env;
    for (const c of cleanup.reverse()) await c();
  });

  it("run pages Slack before it exits; a silenced job is recorded but not sent; silences list and expire", async () => {
    const created = await goldwatch([
      "silence",
      "job=quiet-job",
      "--duration",
      "2h",
      "--comment",
      "maintenance",
      "--json",
      "--config",
      config,
    ]);
    expect(created.code).toBe(0);
    const { silence } = JSON.parse(created.out) as { silence: { id: string; comment: string } };
    expect(silence.comment).toBe("maintenance");

    const run = await goldwatch(["run", "support-hourly", "--config", config]);
    expect(run.out).toContain("ALERT [threshold]");
    // Delivered before `run` returned: no worker is running anywhere else.
    expect(slack.roots()).toHaveLength(1);
    expect(slack.roots()[0]!.text).toContain("FIRING support-hourly (bot)");
    expect(slack.roots()[0]!.attachments[0]!.fallback).toContain("dashboard: https://gw.example.com/?job=support-hourly");

    const quiet = await goldwatch(["run", "quiet-job", "--config", config]);
    expect(quiet.out).toContain("ALERT [threshold]");
    expect(slack.roots()).toHaveLength(1);

    const listed = await goldwatch(["silence", "--list", "--config", config]);
    expect(listed.out).toContain(`${silence.id}  job=quiet-job  until`);
    const expired = await goldwatch(["silence", "--expire", silence.id, "--config", config]);
    expect(expired).toMatchObject({ code: 0, out: `expired ${silence.id}\n` });
  });

  it("rejects a bad matcher with what was expected", async () => {
    const res = await goldwatch(["silence", "jobs=quiet-job", "--config", config]);
    expect(res.code).toBe(2);
    expect(res.err).toContain('"jobs=quiet-job": expected a label name: job, agent, detector, case');
  });
});
