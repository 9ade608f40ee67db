import { asc, eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { handleFindings } from "../../src/alerts/index.ts";
import type { Notification } from "../../src/alerts/notification.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { insertSilence } from "../../src/alerts/store.ts";
import { alertEvents, alertGroups, alertOutbox, alerts } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";
import { droppedCases, healthyCases, HOUR, manualClock, nextEvent, storeRun, testApp, thresholdFinding } from "./setup.ts";
import { alertDeps, type App } from "../../src/app.ts";
import type { Finding } from "../../src/detect/types.ts";
import type { RunSummary } from "../../src/engine/summary.ts";

const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

async function setup(
  notify: Record<string, unknown> = {
    slack: { token: "xoxb-test-token", channel: "#oncall" },
    pagerduty: { routing_key: "R0UTINGKEY0123" },
  },
  secrets?: Secrets,
) {
  const database = await testDatabase();
  opened.push(database);
  const clock = manualClock();
  const app = testApp(database, {
    notify,
    clock,
    server: { public_url: "https://goldwatch.example.com" },
    ...(secrets ? { secrets } : {}),
  });
  return { app, clock, db: database.db };
}

const job = (app: App) => app.loaded.config.jobs["support-hourly"]!;
const handle = (app: App, summary: RunSummary, findings: Finding[]) =>
  handleFindings(alertDeps(app), { jobName: "support-hourly", job: job(app), summary, findings });
const outbox = (app: App) => app.database.db.select().from(alertOutbox).orderBy(asc(alertOutbox.id));

describe("handleFindings", () => {
  it("a drop fires once: one alert, one message per channel, then quiet runs", async () => {
    const { app, clock, db } = await setup();
    for (let i = 0; i < 5; i++) {
      await storeRun(app, { cases: healthyCases() });
      clock.tick(HOUR);
    }
    for (let i = 0; i < 3; i++) {
      const s = await storeRun(app, { cases: droppedCases() });
      await handle(app, s, [thresholdFinding(s)]);
      clock.tick(HOUR);
    }
    const rows = await db.select().from(alerts);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "firing", detector: "threshold", job: "support-hourly", activeRuns: 3, notified: true });
    const queued = await outbox(app);
    expect(queued.map((r) => `${r.channel}:${r.kind}`)).toEqual(["slack:firing", "pagerduty:firing"]);
    const n = queued[0]!.payload as Notification;
    expect(n.alerts).toHaveLength(1);
    expect(n.context?.baseline?.runs).toBe(5);
    expect(n.context?.baseline?.estimate).toBe(1);
    expect(n.context?.accuracy?.estimate).toBeCloseTo(0.6);
    expect(n.context?.recent).toHaveLength(6);
    expect(n.context?.failingCases.map((c) => c.id)).toEqual(["case-0", "case-1", "case-2", "case-3"]);
    expect(n.context?.dashboardUrl).toBe("https://goldwatch.example.com/?job=support-hourly");
    // The page links the run that fired it: its page shows the failing outputs.
    expect(n.context?.runUrl).toBe(`https://goldwatch.example.com/runs/${encodeURIComponent(n.runId)}`);
    const events = await db.select().from(alertEvents);
    expect(events.map((e) => e.event)).toEqual(["firing"]);
  });

  it("writes alert state and the outbox row together, and a retried run queues nothing twice", async () => {
    const { app, db } = await setup();
    const s = await storeRun(app, { cases: droppedCases() });
    await handle(app, s, [thresholdFinding(s)]);
    await handle(app, s, [thresholdFinding(s)]);
    expect(await outbox(app)).toHaveLength(2);
    expect((await db.select().from(alerts))[0]!.activeRuns).toBe(1);
  });

  it("resolves after two clear runs, closes the group and queues the resolve in order", async () => {
    const { app, clock, db } = await setup();
    const s1 = await storeRun(app, { cases: droppedCases() });
    await handle(app, s1, [thresholdFinding(s1)]);
    for (let i = 0; i < 2; i++) {
      clock.tick(HOUR);
      const s = await storeRun(app, { cases: healthyCases() });
      await handle(app, s, []);
    }
    const [a] = await db.select().from(alerts);
    expect(a!.state).toBe("resolved");
    const slack = (await outbox(app)).filter((r) => r.channel === "slack");
    expect(slack.map((r) => r.kind)).toEqual(["firing", "resolved"]);
    expect(new Set(slack.map((r) => r.groupKey)).size).toBe(1);
    const [g] = await db.select().from(alertGroups);
    expect(g!.closedAt).not.toBeNull();
    const pd = (await outbox(app)).filter((r) => r.channel === "pagerduty");
    expect((pd[1]!.payload as Notification).alerts[0]!.change).toBe("resolved");
  });

  it("a flapping agent pages once", async () => {
    const { app, clock } = await setup();
    for (let i = 0; i < 12; i++) {
      const s = await storeRun(app, { cases: i % 2 === 0 ? droppedCases() : healthyCases() });
      await handle(app, s, i % 2 === 0 ? [thresholdFinding(s)] : []);
      clock.tick(HOUR);
    }
    // 12 hourly runs with a 4h repeat interval: one page and reminders, never a resolve and a re-page.
    const kinds = (await outbox(app)).filter((r) => r.channel === "slack").map((r) => r.kind);
    expect(kinds[0]).toBe("firing");
    expect(kinds.filter((k) => k === "firing" || k === "resolved")).toEqual(["firing"]);
  });

  it("sends a reminder after repeat_interval into the same group", async () => {
    const { app, clock } = await setup();
    for (let h = 0; h <= 4; h++) {
      const s = await storeRun(app, { cases: droppedCases() });
      await handle(app, s, [thresholdFinding(s)]);
      clock.tick(HOUR);
    }
    const slack = (await outbox(app)).filter((r) => r.channel === "slack");
    expect(slack.map((r) => r.kind)).toEqual(["firing", "reminder"]);
    expect(slack[1]!.groupKey).toBe(slack[0]!.groupKey);
    // PagerDuty does its own escalation: no reminder rows for it.
    expect((await outbox(app)).filter((r) => r.channel === "pagerduty").map((r) => r.kind)).toEqual(["firing"]);
  });

  it("silences hold and expire", async () => {
    const { app, clock, db } = await setup();
    const now = clock.now();
    await insertSilence(
      db,
      {
        matchers: [{ name: "job", op: "=", value: "support-hourly" }],
        startsAt: now,
        endsAt: new Date(now.getTime() + 2 * HOUR),
        comment: "deploy",
      },
      now,
    );
    for (let h = 0; h < 4; h++) {
      const s = await storeRun(app, { cases: droppedCases() });
      await handle(app, s, [thresholdFinding(s)]);
      if (h === 1) {
        const [a] = await db.select().from(alerts);
        expect(a).toMatchObject({ state: "firing", notified: false });
        expect(a!.silencedBy).toMatch(/^sil_/);
        expect(await outbox(app)).toHaveLength(0);
      }
      clock.tick(HOUR);
    }
    const kinds = (await outbox(app)).map((r) => `${r.channel}:${r.kind}`);
    expect(kinds).toEqual(["slack:firing", "pagerduty:firing"]);
    const [a] = await db.select().from(alerts);
    expect(a!.silencedBy).toBeNull();
  });

  it("an aborted run neither clears nor resolves", async () => {
    const { app, clock, db } = await setup();
    const s1 = await storeRun(app, { cases: droppedCases() });
    await handle(app, s1, [thresholdFinding(s1)]);
    for (let i = 0; i < 3; i++) {
      clock.tick(HOUR);
      const s = await storeRun(app, { cases: healthyCases(), status: "aborted" });
      await handle(app, s, []);
    }
    expect((await db.select().from(alerts))[0]).toMatchObject({ state: "firing", clearRuns: 0 });
  });

  it("keeps secrets out of stored alerts and messages", async () => {
    const secrets = new Secrets();
    secrets.add("sk-live-SECRET-123456");
    const { app, db } = await setup(undefined, secrets);
    const s = await storeRun(app, { cases: droppedCases() });
    await handle(app, s, [
      thresholdFinding(s, { summary: "agent said sk-live-SECRET-123456", evidence: { output: "key sk-live-SECRET-123456" } }),
    ]);
    const stored = JSON.stringify([await db.select().from(alerts), await outbox(app), await db.select().from(alertEvents)]);
    expect(stored).not.toContain("sk-live-SECRET-123456");
    expect(stored).toContain("[redacted]");
  });

  it("a failure to read the run history costs the message its details, never the page", async () => {
    const { app, db } = await setup();
    await storeRun(app, { cases: healthyCases() });
    const s = await storeRun(app, { cases: droppedCases() });
    await db.execute(sql`drop table trials cascade`);
    await handle(app, s, [thresholdFinding(s)]);
    const queued = await outbox(app);
    expect(queued.map((r) => r.kind)).toEqual(["firing", "firing"]);
    expect((queued[0]!.payload as Notification).context).toBeNull();
    expect((await db.select().from(alerts))[0]!.state).toBe("firing");
  });

  it("a transient database error retries the whole decision: the page is queued once", async () => {
    const { app, clock, db } = await setup();
    const s = await storeRun(app, { cases: droppedCases() });
    // The first outbox insert fails like a serialization failure; a sequence, so the rollback keeps the count.
    await db.execute(sql`create sequence fail_seq`);
    await db.execute(
      sql.raw(`create function fail_first() returns trigger language plpgsql as $$
      begin if nextval('fail_seq') = 1 then raise exception 'simulated conflict' using errcode = '40001'; end if; return new; end $$`),
    );
    await db.execute(sql`create trigger fail_first before insert on alert_outbox for each row execute function fail_first()`);
    const retried = nextEvent(app, "store:retry");
    const handled = handle(app, s, [thresholdFinding(s)]);
    const [{ attempt }] = await retried;
    expect(attempt).toBe(1);
    clock.tick(1_000);
    expect((await handled).queued).toBe(2);
    expect((await outbox(app)).map((r) => r.channel)).toEqual(["slack", "pagerduty"]);
    expect((await db.select().from(alerts))[0]).toMatchObject({ state: "firing", activeRuns: 1 });
    expect(await db.select().from(alertEvents)).toHaveLength(1);
  });

  it("with no notify config queues to the console only", async () => {
    const { app } = await setup({});
    const s = await storeRun(app, { cases: droppedCases() });
    await handle(app, s, [thresholdFinding(s)]);
    expect((await outbox(app)).map((r) => r.channel)).toEqual(["console"]);
  });

  it("keeps one job's alerts apart from another's", async () => {
    const { app, db } = await setup();
    const s = await storeRun(app, { cases: droppedCases() });
    await handle(app, s, [thresholdFinding(s)]);
    const other = { ...s, job: "other-job", runId: `${s.runId}-b` };
    await handleFindings(alertDeps(app), { jobName: "other-job", job: job(app), summary: other, findings: [thresholdFinding(other)] });
    expect(await db.select().from(alerts)).toHaveLength(2);
    expect(await db.select().from(alertGroups).where(eq(alertGroups.job, "other-job"))).toHaveLength(1);
  });
});
