import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { startFakeSlack } from "../helpers/slack-server.ts";

const GOLDEN = `name: svc
cases:
  - id: refund-window
    input: "How long do I have to return an annual plan?"
    assert: [{ contains: "30 days" }]
`;

const CONFIG = (slackUrl: string) => `database: \${DATABASE_URL}
agents:
  bot: { kind: demo, quality: 0, latency: 0 }
jobs:
  probe: { agent: bot, golden: golden.yaml, schedule: "0 0 1 1 *", repeats: 3, alerts: { accuracy_below: 0.9 } }
notify:
  slack: { token: "\${SLACK_BOT_TOKEN}", channel: "#agent-oncall", api_url: "${slackUrl}" }
server: { port: 0, public_url: "https://gw.example.com" }
`;

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

describe.skipIf(!serverUrl)("goldwatch serve (real processes)", () => {
  it("Slack down across a restart: the page queued before the restart arrives after it, once", async () => {
    await using slack = await startFakeSlack({ token: "xoxb-serve-test-token" });
    await using database = await serverDatabase();
    const dir = await tempFiles({ "goldwatch.config.yaml": CONFIG(slack.apiUrl), "golden.yaml": GOLDEN });
    const env = { DATABASE_URL: database.url, SLACK_BOT_TOKEN: "xoxb-serve-test-token", GOLDWATCH_API_TOKEN: "serve-test-api-token" };
    const serve = () => {
      const p = startServe({ config: path.join(dir, "goldwatch.config.yaml"), env });
      procs.push(p);
      return p;
    };

    slack.down();
    const first = serve();
    const port = await first.port();
    const res = await fetch(`http://127.0.0.1:${port}/api/jobs/probe/run`, {
      method: "POST",
      headers: { authorization: "Bearer serve-test-api-token" },
    });
    expect(res.status).toBe(202);
    await first.waitForLog((l) => l.msg === "alert delivery failed; will retry" && l.channel === "slack");
    first.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(slack.roots()).toHaveLength(0);

    slack.up();
    const second = serve();
    const port2 = await second.port();
    await second.waitForLog((l) => l.msg === "alert delivered" && l.channel === "slack");
    expect(slack.roots()).toHaveLength(1);
    expect(slack.roots()[0]!.text).toContain("FIRING probe (bot)");
    const body = (await (await fetch(`http://127.0.0.1:${port2}/api/alerts`)).json()) as {
      alerts: { state: string; deliveries: { status: string }[]; group: { slack: unknown } }[];
    };
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({ state: "firing", deliveries: [{ status: "sent" }] });
    expect(body.alerts[0]!.group.slack).toEqual({ channel: slack.roots()[0]!.channel, ts: slack.roots()[0]!.ts });
    // Nothing in any log line carries the token.
    expect(JSON.stringify([...first.logs, ...second.logs])).not.toContain("xoxb-serve-test-token");
    second.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  });
});
