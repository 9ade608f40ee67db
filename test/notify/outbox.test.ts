import { asc } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { handleFindings } from "../../src/alerts/index.ts";
import { createAlertWorker, startAlertDelivery } from "../../src/notify/delivery.ts";
import { alertDeps, deliveryDeps, type App } from "../../src/app.ts";
import { claimOutbox, markOutboxSent } from "../../src/notify/store.ts";
import { openDatabase } from "../../src/store/db.ts";
import { alertOutbox } from "../../src/store/tables/alerts.ts";
import { serverDatabase, serverUrl, testDatabase } from "../helpers/db.ts";
import { startFakePagerDuty } from "../helpers/pagerduty-server.ts";
import { startFakeSlack } from "../helpers/slack-server.ts";
import { droppedCases, HOUR, manualClock, nextEvent, storeRun, testApp, thresholdFinding, type ManualClock } from "../alerts/setup.ts";

const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function fire(app: App, clock: ManualClock, job = "support-hourly") {
  const s = await storeRun(app, { job, cases: droppedCases() });
  await handleFindings(alertDeps(app), {
    jobName: job,
    job: app.loaded.config.jobs["support-hourly"]!,
    summary: s,
    findings: [thresholdFinding(s)],
  });
  clock.tick(HOUR);
}

const rows = (app: App) => app.database.db.select().from(alertOutbox).orderBy(asc(alertOutbox.id));

/** A test app in a fresh schema with its own manual clock; the fake server and the schema close after the file. */
async function appWith(server: { close(): Promise<void> }, notify: Record<string, unknown>) {
  const database = await testDatabase();
  cleanup.push(
    () => server.close(),
    () => database.close(),
  );
  const clock = manualClock();
  return { clock, app: testApp(database, { clock, notify }) };
}

describe("the outbox", () => {
  it("keeps a group's messages in order: a reminder never overtakes the page it belongs to", async () => {
    const slack = await startFakeSlack();
    const { app, clock } = await appWith(slack, { slack: { token: "xoxb-order-test", channel: "#c", api_url: slack.apiUrl } });
    const worker = createAlertWorker(deliveryDeps(app), { random: () => 1 });
    slack.down();
    for (let h = 0; h < 5; h++) await fire(app, clock);
    await worker.drain({ timeoutMs: 0 });
    expect((await rows(app)).map((r) => `${r.kind}:${r.status}:${r.attempts}`)).toEqual(["firing:pending:1", "reminder:pending:0"]);
    slack.up();
    clock.tick(15 * 60_000);
    await worker.drain({ timeoutMs: 0 });
    expect(slack.messages.map((m) => (m.threadTs ? "reply" : "root"))).toEqual(["root", "reply"]);
  });

  it("a row claimed by a replica that died is taken over when its lease runs out, and sent once", async () => {
    const slack = await startFakeSlack();
    const { app, clock } = await appWith(slack, { slack: { token: "xoxb-lease-test", channel: "#c", api_url: slack.apiUrl } });
    await fire(app, clock);
    const [claimed] = await claimOutbox(app.database.db, {
      replica: "dead-replica",
      now: clock.now(),
      leaseMs: 60_000,
      limit: 10,
      channels: ["slack"],
    });
    expect(claimed).toBeDefined();
    const worker = createAlertWorker(deliveryDeps(app), { replica: "survivor" });
    expect(await worker.tick()).toBe(0);
    clock.tick(60_001);
    expect(await worker.tick()).toBe(1);
    expect(slack.roots()).toHaveLength(1);
    // The dead replica's late "sent" does not count: it no longer holds the row.
    expect(await markOutboxSent(app.database.db, claimed!.id, "dead-replica", clock.now(), null)).toBe(false);
    expect((await rows(app))[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("gives up after give_up_after and keeps the row, marked failed", async () => {
    const pd = await startFakePagerDuty();
    const { app, clock } = await appWith(pd, {
      pagerduty: { routing_key: "R-give-up-0001", api_url: pd.url },
      delivery: { give_up_after: "1h" },
    });
    const worker = createAlertWorker(deliveryDeps(app), { random: () => 1 });
    pd.down();
    await fire(app, clock);
    for (let i = 0; i < 10; i++) {
      await worker.drain({ timeoutMs: 0 });
      clock.tick(15 * 60_000);
    }
    const [row] = await rows(app);
    expect(row!.status).toBe("failed");
    expect(row!.lastError).toMatch(/HTTP 503.*gave up after/);
  });

  it("Slack down across a restart of goldwatch: the page arrives after the restart", async () => {
    const slack = await startFakeSlack();
    const first = await testDatabase();
    cleanup.push(() => slack.close());
    const clock = manualClock();
    const notify = { slack: { token: "xoxb-restart-test", channel: "#agent-oncall", api_url: slack.apiUrl } };
    const app1 = testApp(first, { clock, notify });
    const delivery1 = startAlertDelivery(deliveryDeps(app1), { replica: "before-restart", random: () => 1 });
    slack.down();
    const failed = nextEvent(app1, "alert:failed");
    await fire(app1, clock);
    const [failure] = await failed;
    expect(failure).toMatchObject({ channel: "slack", permanent: false });
    await delivery1.stop();
    await first.close();

    const second = await testDatabase({ schema: first.schema });
    cleanup.push(() => second.close());
    const app2 = testApp(second, { clock, notify });
    slack.up();
    clock.tick(15 * 60_000);
    const sent = nextEvent(app2, "alert:sent");
    const delivery2 = startAlertDelivery(deliveryDeps(app2), { replica: "after-restart", random: () => 1 });
    cleanup.push(() => delivery2.stop());
    const [ok] = await sent;
    expect(ok).toMatchObject({ channel: "slack", kind: "firing" });
    expect(slack.roots()).toHaveLength(1);
    expect(slack.calls.map((c) => `${c.method} ${c.status}`)).toEqual([
      "chat.postMessage 503",
      "conversations.history 200",
      "chat.postMessage 200",
    ]);
    await delivery2.stop();
  });
});

describe.skipIf(!serverUrl)("two replicas sharing one outbox (PostgreSQL server)", () => {
  it("each page is sent once, and both replicas take part", async () => {
    const slack = await startFakeSlack();
    const pd = await startFakePagerDuty();
    slack.delayMs = 15;
    const dbA = await serverDatabase();
    const dbB = await openDatabase({ url: serverUrl!, schema: dbA.schema, maxConnections: 4 });
    cleanup.push(
      () => slack.close(),
      () => pd.close(),
      () => dbA.close(),
      () => dbB.close(),
    );
    const clock = manualClock();
    const jobs = Array.from({ length: 24 }, (_, i) => `job-${String(i).padStart(2, "0")}`);
    const notify = {
      slack: { token: "xoxb-replicas-test", channel: "#c", api_url: slack.apiUrl },
      pagerduty: { routing_key: "R-replicas-0001", api_url: pd.url },
    };
    const appA = testApp(dbA, { clock, notify, jobs: ["support-hourly", ...jobs] });
    const appB = testApp(dbB, { clock, notify, jobs: ["support-hourly", ...jobs] });
    for (const job of jobs) await fire(appA, clock, job);

    const sentBy = { a: 0, b: 0 };
    appA.events.on("alert:sent", () => sentBy.a++);
    appB.events.on("alert:sent", () => sentBy.b++);
    const wA = createAlertWorker(deliveryDeps(appA), { replica: "replica-a", options: { batch: 3 } });
    const wB = createAlertWorker(deliveryDeps(appB), { replica: "replica-b", options: { batch: 3 } });
    await Promise.all([wA.drain({ timeoutMs: 0 }), wB.drain({ timeoutMs: 0 })]);

    const posted = slack.roots().map((m) => /FIRING (job-\d+)/.exec(m.text)?.[1]);
    expect(posted.sort()).toEqual(jobs);
    expect(pd.events.map((e) => e.payload?.group).sort()).toEqual(jobs);
    expect(slack.calls).toHaveLength(jobs.length);
    expect((await rows(appA)).every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
    expect(sentBy.a + sentBy.b).toBe(jobs.length * 2);
    expect(sentBy.a).toBeGreaterThan(0);
    expect(sentBy.b).toBeGreaterThan(0);
  });
});
