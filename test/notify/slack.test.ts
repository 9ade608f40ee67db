import { asc } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { handleFindings } from "../../src/alerts/index.ts";
import { createAlertWorker } from "../../src/notify/delivery.ts";
import { alertDeps, deliveryDeps, type App } from "../../src/app.ts";
import { Secrets } from "../../src/config/secrets.ts";
import type { Finding } from "../../src/detect/types.ts";
import type { RunSummary } from "../../src/engine/summary.ts";
import { createLogger } from "../../src/log.ts";
import { alertGroups, alertOutbox, alerts } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/slack-server.ts";
import { droppedCases, healthyCases, HOUR, manualClock, storeRun, testApp, thresholdFinding, type ManualClock } from "../alerts/setup.ts";

const TOKEN = "xoxb-1111-goldwatch-test";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function setup(opts: { token?: string; slack?: { token?: string; channels?: string[] }; channel?: string } = {}) {
  const slack = await startFakeSlack({ token: TOKEN, ...opts.slack });
  const database = await testDatabase();
  cleanup.push(
    () => slack.close(),
    () => database.close(),
  );
  const clock = manualClock();
  const logs: string[] = [];
  const secrets = new Secrets();
  secrets.add(opts.token ?? TOKEN);
  const log = createLogger({ secrets, level: "debug", destination: { write: (s: string) => void logs.push(s) } });
  const app = testApp(database, {
    clock,
    log,
    secrets,
    jobs: ["support-hourly", "billing-daily"],
    notify: { slack: { token: opts.token ?? TOKEN, channel: opts.channel ?? "#agent-oncall", api_url: slack.apiUrl } },
    server: { public_url: "https://goldwatch.example.com/" },
  });
  const worker = createAlertWorker(deliveryDeps(app), { random: () => 1 });
  cleanup.push(() => worker.stop());
  return { app, clock, slack, worker, logs };
}

async function runOnce(
  app: App,
  clock: ManualClock,
  healthy: boolean,
  job = "support-hourly",
  extra: (s: RunSummary) => Finding[] = () => [],
) {
  const s = await storeRun(app, { job, cases: healthy ? healthyCases() : droppedCases() });
  await handleFindings(alertDeps(app), {
    jobName: job,
    job: app.loaded.config.jobs[job]!,
    summary: s,
    findings: healthy ? extra(s) : [thresholdFinding(s), ...extra(s)],
  });
  clock.tick(HOUR);
  return s;
}

const deliver = (w: { drain(o: { timeoutMs: number }): Promise<number> }) => w.drain({ timeoutMs: 0 });
const fallback = (slack: FakeSlack, i = 0) => slack.roots()[i]!.attachments[0]!.fallback!;

describe("Slack through the real WebClient", () => {
  it("a drop fires once; the reminder and the resolution arrive in order in its thread, and the message turns green", async () => {
    const { app, clock, slack, worker } = await setup();
    for (let i = 0; i < 6; i++) await runOnce(app, clock, true);
    for (let i = 0; i < 5; i++) {
      await runOnce(app, clock, false);
      await deliver(worker);
    }
    for (let i = 0; i < 2; i++) {
      await runOnce(app, clock, true);
      await deliver(worker);
    }
    expect(slack.roots()).toHaveLength(1);
    const root = slack.roots()[0]!;
    const replies = slack.replies(root);
    expect(replies.map((r) => r.text.split("\n")[0])).toEqual([
      expect.stringMatching(/^⏰ Still firing after 4h/),
      expect.stringMatching(/^✅ Resolved after 6h/),
    ]);
    expect(slack.calls.map((c) => c.method)).toEqual(["chat.postMessage", "chat.postMessage", "chat.update", "chat.postMessage"]);
    expect(slack.calls.every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true);
    // Resolved: the same message, now green.
    expect(root.updates).toHaveLength(1);
    expect(root.attachments[0]!.color).toBe("#2EB67D");
    expect(JSON.stringify(root.attachments[0]!.blocks)).toContain("RESOLVED · support-hourly");
    // The resolve says how it recovered, against the floor the incident was about, and lists no
    // "failing cases" from a run where every case passes.
    const recovered = "accuracy back to 100.0% (floor 85.0%, low point 60.0%)";
    expect(root.text).toBe(`✅ RESOLVED support-hourly (support-bot) — ${recovered}`);
    expect(replies[1]!.text.split("\n")[0]).toBe(`✅ Resolved after 6h: ${recovered}`);
    expect(fallback(slack)).not.toMatch(/failing/i);
    expect(JSON.stringify(root.attachments[0]!.blocks)).toContain("*Low point*\\n60.0%");
    // The channel and ts are stored with the group.
    const [g] = await app.database.db.select().from(alertGroups);
    expect(g).toMatchObject({ slackChannel: root.channel, slackTs: root.ts });
    const rows = await app.database.db.select().from(alertOutbox).orderBy(asc(alertOutbox.id));
    expect(rows.map((r) => `${r.kind}:${r.status}`)).toEqual(["firing:sent", "reminder:sent", "resolved:sent"]);
  });

  it("says what broke, accuracy now vs baseline with intervals, a sparkline, the failing cases, the cost, a query and a link", async () => {
    const { app, clock, slack, worker } = await setup();
    for (let i = 0; i < 6; i++) await runOnce(app, clock, true);
    const s = await storeRun(app, { cases: droppedCases(4, 0.003) });
    await handleFindings(alertDeps(app), {
      jobName: "support-hourly",
      job: app.loaded.config.jobs["support-hourly"]!,
      summary: s,
      findings: [thresholdFinding(s)],
    });
    await deliver(worker);
    const root = slack.roots()[0]!;
    expect(root.text).toMatch(/^🔴 FIRING support-hourly \(support-bot\) — threshold: accuracy 60\.0%/);
    const text = fallback(slack);
    expect(text).toContain("accuracy now 60.0% [");
    expect(text).toMatch(/vs baseline 100\.0% \[98\.7–100\.0\] over 6 runs/);
    expect(text).toMatch(/recent runs ▇▇▇▇▇▇▁|recent runs ██████▁/);
    expect(text).toContain("failing cases: case-0 0/5, baseline 100.0%; case-1 0/5");
    expect(text).toMatch(
      /cost per trial \$0\.0030 vs baseline \$0\.0010; top change: case case-\d \$0\.0010 → \$0\.0030 per trial \(×3\.00\)/,
    );
    expect(text).toContain(
      `dig in: select case_id, status, error_kind, left(output, 120) as output from trials where run_id = '${s.runId}' and not passed`,
    );
    expect(text).toContain("dashboard: https://goldwatch.example.com/?job=support-hourly");
    // From the page to the failing answers in one click: the run page, as a line and as the first button.
    const runUrl = `https://goldwatch.example.com/runs/${encodeURIComponent(s.runId)}`;
    expect(text).toContain(`run: ${runUrl}`);
    const actions = root.attachments[0]!.blocks!.find((b) => (b as { type: string }).type === "actions") as { elements: { url: string }[] };
    expect(actions.elements.map((e) => e.url)).toEqual([runUrl, "https://goldwatch.example.com/?job=support-hourly"]);
    // Each failing case links its page: since when it fails, and its outputs.
    expect(JSON.stringify(root.attachments[0]!.blocks)).toContain(
      "• <https://goldwatch.example.com/jobs/support-hourly/cases/case-0|`case-0`> 0/5 passed",
    );
    const blocks = JSON.stringify(root.attachments[0]!.blocks);
    expect(root.attachments[0]!.color).toBe("#E01E5A");
    for (const part of [
      "FIRING · support-hourly",
      "*Accuracy now*",
      "*Baseline (6 runs)*",
      "*Recent runs*",
      "*Failing cases*",
      "*Cost per trial*",
      "Dig in:",
      "Open dashboard",
    ]) {
      expect(blocks).toContain(part);
    }
  });

  it("a second alert of the same job updates the message and is announced in its thread", async () => {
    const { app, clock, slack, worker } = await setup();
    await runOnce(app, clock, false);
    await deliver(worker);
    await runOnce(app, clock, false, "support-hourly", (s) => [
      { detector: "errors", job: s.job, agent: s.agent, severity: "critical", summary: "agent down? 30 of 50 trials failed", evidence: {} },
    ]);
    await deliver(worker);
    expect(slack.roots()).toHaveLength(1);
    const root = slack.roots()[0]!;
    expect(root.updates).toHaveLength(1);
    expect(fallback(slack)).toContain("agent down? 30 of 50");
    const [reply] = slack.replies(root);
    expect(reply!.text).toContain("Also firing: 🔴 errors: agent down?");
    expect(reply!.replyBroadcast).toBe(true);
  });

  it("a 429 with Retry-After reschedules that message only; nothing is lost or doubled", async () => {
    const { app, clock, slack, worker } = await setup();
    slack.script({ rateLimited: 120 });
    await runOnce(app, clock, false);
    // Were the client to honour the 429 itself, this drain would hang for two minutes and time out.
    expect(await deliver(worker)).toBe(1);
    const [row] = await app.database.db.select().from(alertOutbox);
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "slack rate limited (429)" });
    expect(row!.nextAttemptAt.getTime() - clock.now().getTime()).toBe(120_000);
    clock.tick(119_000);
    expect(await deliver(worker)).toBe(1);
    expect(slack.roots()).toHaveLength(0);
    clock.tick(1_000);
    expect(await deliver(worker)).toBe(0);
    expect(slack.roots()).toHaveLength(1);
    // The retry first asks the history whether the rate-limited try got through (it did not).
    expect(slack.calls.map((c) => `${c.method} ${c.status}`)).toEqual([
      "chat.postMessage 429",
      "conversations.history 200",
      "chat.postMessage 200",
    ]);
  });

  it("a Slack outage is retried with backoff until Slack is back", async () => {
    const { app, clock, slack, worker } = await setup();
    slack.down();
    await runOnce(app, clock, false);
    await deliver(worker);
    clock.tick(10 * 60_000);
    await deliver(worker);
    slack.script({ drop: true });
    slack.up();
    clock.tick(15 * 60_000);
    await deliver(worker);
    clock.tick(15 * 60_000);
    expect(await deliver(worker)).toBe(0);
    expect(slack.roots()).toHaveLength(1);
    expect(slack.calls.map((c) => `${c.method} ${c.status}`)).toEqual([
      "chat.postMessage 503",
      "conversations.history 503", // a retry looks for an earlier post first; Slack is still down
      "chat.postMessage 503",
      "conversations.history 0", // the dropped connection
      "chat.postMessage 200",
    ]);
  });

  it("invalid_auth is logged once with the fix, never with the token, and the alert stays in the database", async () => {
    const wrong = "xoxb-9999-wrong-token";
    const { app, clock, worker, logs } = await setup({ token: wrong });
    await runOnce(app, clock, false, "support-hourly");
    await runOnce(app, clock, false, "billing-daily");
    expect(await deliver(worker)).toBe(0);
    const rows = await app.database.db.select().from(alertOutbox);
    expect(rows.map((r) => r.status)).toEqual(["failed", "failed"]);
    expect(rows[0]!.lastError).toContain("slack: invalid_auth — notify.slack.token is not a valid token");
    const errors = logs.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain("fix: notify.slack.token is not a valid token");
    expect(logs.join("\n")).not.toContain(wrong);
    expect((await app.database.db.select().from(alerts)).map((a) => a.state)).toEqual(["firing", "firing"]);
  });

  it("channel_not_found and not_in_channel are permanent, with their fixes", async () => {
    const { app, clock, worker, slack } = await setup({ slack: { channels: ["#agent-oncall"] }, channel: "#typo" });
    slack.script({ error: "not_in_channel" });
    await runOnce(app, clock, false, "support-hourly");
    await runOnce(app, clock, false, "billing-daily");
    await deliver(worker);
    const rows = await app.database.db.select().from(alertOutbox).orderBy(asc(alertOutbox.id));
    expect(rows.map((r) => r.lastError)).toEqual([
      expect.stringContaining("not_in_channel — the bot is not in notify.slack.channel: invite it"),
      expect.stringContaining("channel_not_found — notify.slack.channel does not exist"),
    ]);
  });
});
