import { asc } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { handleFindings } from "../../src/alerts/index.ts";
import { createAlertWorker } from "../../src/notify/delivery.ts";
import { alertDeps, deliveryDeps, type App } from "../../src/app.ts";
import { createLogger } from "../../src/log.ts";
import { alertOutbox } from "../../src/store/tables/alerts.ts";
import { json, startFakeServer, type RecordedRequest } from "../helpers/agent-server.ts";
import { testDatabase } from "../helpers/db.ts";
import { startFakePagerDuty } from "../helpers/pagerduty-server.ts";
import { droppedCases, healthyCases, HOUR, manualClock, storeRun, testApp, thresholdFinding, type ManualClock } from "../alerts/setup.ts";

const KEY = "R0UT1NGKEY-goldwatch-0001";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function runOnce(app: App, clock: ManualClock, healthy: boolean, extra: { caseId?: string }[] = []) {
  const s = await storeRun(app, { cases: healthy ? healthyCases() : droppedCases() });
  const findings = healthy
    ? []
    : [thresholdFinding(s), ...extra.map((e) => thresholdFinding(s, { detector: "flaky", severity: "warning" as const, ...e }))];
  await handleFindings(alertDeps(app), { jobName: "support-hourly", job: app.loaded.config.jobs["support-hourly"]!, summary: s, findings });
  clock.tick(HOUR);
}

describe("PagerDuty Events API v2", () => {
  async function setup() {
    const pd = await startFakePagerDuty({ routingKeys: [KEY] });
    const database = await testDatabase();
    cleanup.push(
      () => pd.close(),
      () => database.close(),
    );
    const clock = manualClock();
    const app = testApp(database, {
      clock,
      notify: { pagerduty: { routing_key: KEY, api_url: pd.url } },
      server: { public_url: "https://gw.example.com" },
    });
    const worker = createAlertWorker(deliveryDeps(app), { random: () => 1 });
    return { app, clock, pd, worker };
  }

  it("triggers once per alert and resolves with the same dedup key and routing key", async () => {
    const { app, clock, pd, worker } = await setup();
    for (let i = 0; i < 6; i++) {
      await runOnce(app, clock, false, [{ caseId: "refund-window" }]);
      await worker.drain({ timeoutMs: 0 });
    }
    for (let i = 0; i < 2; i++) {
      await runOnce(app, clock, true);
      await worker.drain({ timeoutMs: 0 });
    }
    expect(pd.events.map((e) => e.event_action)).toEqual(["trigger", "trigger", "resolve", "resolve"]);
    expect(new Set(pd.events.map((e) => e.routing_key))).toEqual(new Set([KEY]));
    const [t1, t2, r1, r2] = pd.events;
    expect(new Set([r1!.dedup_key, r2!.dedup_key])).toEqual(new Set([t1!.dedup_key, t2!.dedup_key]));
    expect(t1!.dedup_key).toMatch(/^goldwatch-[0-9a-f]{20}$/);
    expect([...pd.incidents.values()]).toEqual(["resolved", "resolved"]);
    const threshold = pd.events.find((e) => e.payload?.class === "threshold")!;
    expect(threshold.payload).toMatchObject({
      severity: "critical",
      source: "goldwatch/support-bot",
      component: "support-bot",
      group: "support-hourly",
    });
    expect(threshold.payload!.summary).toMatch(/^support-hourly threshold: accuracy 60\.0%/);
    expect(threshold.payload!.custom_details!.sql).toMatch(/^select case_id/);
    // The run page first (the failing outputs), then the job's dashboard.
    const runId = threshold.payload!.custom_details!.run as string;
    const runUrl = `https://gw.example.com/runs/${encodeURIComponent(runId)}`;
    expect(threshold.links).toEqual([
      { href: runUrl, text: `goldwatch: run ${runId}` },
      { href: "https://gw.example.com/?job=support-hourly", text: "goldwatch: support-hourly" },
    ]);
    expect((threshold as { client_url?: string }).client_url).toBe(runUrl);
    expect(threshold.payload!.custom_details!.run_url).toBe(runUrl);
    expect(pd.events.find((e) => e.payload?.class === "flaky")!.payload!.summary).toContain("flaky case refund-window");
  });

  it("retries 429 and 5xx (re-sending is harmless with dedup keys), gives up on 400 with the fix", async () => {
    const { app, clock, pd, worker } = await setup();
    pd.script({ status: 429, retryAfter: 30 }, { status: 502 });
    await runOnce(app, clock, false);
    await worker.drain({ timeoutMs: 0 });
    clock.tick(30_000);
    await worker.drain({ timeoutMs: 0 });
    // Second attempt failed: backoff 5 s × 2 (jitter pinned to its top).
    clock.tick(9_999);
    await worker.drain({ timeoutMs: 0 });
    expect(pd.statuses).toEqual([429, 502]);
    clock.tick(1);
    await worker.drain({ timeoutMs: 0 });
    expect(pd.statuses).toEqual([429, 502, 202]);
    expect(pd.events).toHaveLength(1);

    const bad = testApp(app.database, { clock, notify: { pagerduty: { routing_key: "wrong-key-123456", api_url: pd.url } } });
    const s = await storeRun(bad, { job: "support-hourly", cases: droppedCases() });
    await handleFindings(alertDeps(bad), {
      jobName: "other",
      job: bad.loaded.config.jobs["support-hourly"]!,
      summary: { ...s, job: "other" },
      findings: [thresholdFinding({ ...s, job: "other" })],
    });
    await createAlertWorker(deliveryDeps(bad)).drain({ timeoutMs: 0 });
    const rows = await app.database.db.select().from(alertOutbox).orderBy(asc(alertOutbox.id));
    expect(rows.at(-1)).toMatchObject({ status: "failed" });
    expect(rows.at(-1)!.lastError).toContain("HTTP 400");
    expect(rows.at(-1)!.lastError).toContain("notify.pagerduty.routing_key");
  });
});

describe("generic JSON webhook", () => {
  it("posts each message with its alerts, plain text and an idempotency key", async () => {
    const seen: RecordedRequest[] = [];
    let fail = 1;
    const hook = await startFakeServer((req, res) => {
      if (fail-- > 0) return void json(res, 503, {});
      seen.push(req);
      json(res, 200, { ok: true });
    });
    const database = await testDatabase();
    cleanup.push(
      () => hook.close(),
      () => database.close(),
    );
    const clock = manualClock();
    const app = testApp(database, {
      clock,
      notify: { webhook: { url: `${hook.url}/hooks/goldwatch`, headers: { "x-team": "sre" } } },
      server: { public_url: "https://gw.example.com/" },
    });
    const worker = createAlertWorker(deliveryDeps(app), { random: () => 1 });
    await runOnce(app, clock, false);
    await worker.drain({ timeoutMs: 0 });
    clock.tick(5_000);
    await worker.drain({ timeoutMs: 0 });
    expect(hook.requests).toHaveLength(2);
    expect(hook.requests[0]!.headers["idempotency-key"]).toBe(hook.requests[1]!.headers["idempotency-key"]);
    const body = seen[0]!.body as {
      kind: string;
      status: string;
      job: string;
      runId: string;
      run_url: string | null;
      alerts: { labels: { detector: string } }[];
      text: string;
    };
    expect(body.run_url).toBe(`https://gw.example.com/runs/${encodeURIComponent(body.runId)}`);
    expect(body.text).toContain(`run: ${body.run_url}`);
    expect(seen[0]!.headers["x-team"]).toBe("sre");
    expect(body).toMatchObject({ kind: "firing", status: "firing", job: "support-hourly" });
    expect(body.alerts.map((a) => a.labels.detector)).toEqual(["threshold"]);
    expect(body.text).toContain("accuracy now 60.0%");
  });
});

describe("console (the default channel)", () => {
  it("logs the whole message as one line when nothing else is configured", async () => {
    const database = await testDatabase();
    cleanup.push(() => database.close());
    const lines: string[] = [];
    const clock = manualClock();
    const app = testApp(database, {
      clock,
      log: createLogger({ level: "info", destination: { write: (s: string) => void lines.push(s) } }),
    });
    await runOnce(app, clock, false);
    await createAlertWorker(deliveryDeps(app)).drain({ timeoutMs: 0 });
    const alert = lines.map((l) => JSON.parse(l) as { level: number; msg: string; alert?: string }).find((l) => l.alert === "firing")!;
    expect(alert.level).toBe(40);
    expect(alert.msg).toMatch(/^🔴 FIRING support-hourly \(support-bot\) — threshold: accuracy 60\.0%/);
    expect(alert.msg).toContain("dig in: select case_id");
    expect((await app.database.db.select().from(alertOutbox))[0]!.status).toBe("sent");
  });
});
