import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DriftRow } from "../../src/report/drift.ts";
import { driftReport } from "../../src/report/store.ts";
import { accuracyInterval, tInterval } from "../../src/stats/intervals.ts";
import { queryRows, type Database } from "../../src/store/db.ts";
import { finishRun } from "../../src/store/runs.ts";
import { alertEvents, alerts } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";
import { cases, DAY, HOUR, seedRun } from "./seed.ts";

// Report day 2025-03-14: the current window is 03-08 … 03-14, the baseline 03-01 … 03-07 (UTC).
const REPORT_DAY = "2025-03-14";
const windows = { reportDay: REPORT_DAY, currentDays: 7, baselineDays: 7 };
const base = (d: number, h = 0) => new Date(Date.parse("2025-03-01T00:00:00Z") + d * DAY + h * HOUR);
const now = (d: number, h = 0) => new Date(Date.parse("2025-03-08T00:00:00Z") + d * DAY + h * HOUR);

let database: Database;
let report: DriftRow[];
let modelSwitchAt: Date;

beforeAll(async () => {
  database = await testDatabase();
  const db = database.db;
  // steady: the same results in both windows.
  for (const at of [base(1), base(2), now(1), now(2)]) await seedRun(db, { job: "steady", at, cases: cases([5, 4, 3], 5) });
  // drop: model-a passes everything; model-b (from now(1)) fails cases, costs double and is slower.
  for (const at of [base(0), base(3)]) await seedRun(db, { job: "drop", at, cases: cases([5, 5, 5, 5, 5], 5), costUsd: 0.05, p95Ms: 1000 });
  modelSwitchAt = now(1, 3);
  for (const at of [modelSwitchAt, now(4)]) {
    await seedRun(db, { job: "drop", at, cases: cases([2, 3, 1, 4, 4], 5), model: "model-b", costUsd: 0.1, p95Ms: 1500 });
  }
  // Neither a gate run (a candidate agent) nor a run still going counts towards drift.
  await seedRun(db, { job: "drop", at: now(5), cases: cases([0, 0, 0, 0, 0], 5), trigger: "gate", costUsd: 0.2 });
  await seedRun(db, { job: "drop", at: now(5, 1), cases: cases([0, 0, 0, 0, 0], 5), status: "running" });
  // new: only recent runs; gone: only baseline runs; outside: before both windows.
  await seedRun(db, { job: "new", at: now(2), cases: cases([1, 1], 1) });
  await seedRun(db, { job: "gone", at: base(2), cases: cases([1, 1], 1) });
  await seedRun(db, { job: "outside", at: new Date("2025-02-01T00:00:00Z"), cases: cases([1], 1) });
  // health: c0 always passes, c1 fails now, c2 flaky throughout, c3 got worse.
  await seedRun(db, { job: "health", at: base(1), cases: cases([5, 5, 3, 5], 5) });
  await seedRun(db, { job: "health", at: base(2), cases: cases([5, 5, 3, 5], 5) });
  for (const d of [1, 2, 3]) await seedRun(db, { job: "health", at: now(d), cases: cases([5, 0, 3, 1], 5) });

  const t = base(0);
  await db.insert(alerts).values({
    fingerprint: "fp-drop",
    job: "drop",
    agent: "drop-agent",
    detector: "drift",
    labels: {},
    state: "firing",
    severity: "critical",
    summary: "accuracy dropped 44 points",
    startsAt: t,
    firedAt: t,
    lastSeenAt: t,
    updatedAt: t,
  });
  await db.insert(alertEvents).values([
    {
      fingerprint: "fp-drop",
      job: "drop",
      agent: "drop-agent",
      detector: "drift",
      at: now(1, 4),
      event: "pending",
      state: "pending",
      severity: "critical",
      summary: "s",
    },
    {
      fingerprint: "fp-drop",
      job: "drop",
      agent: "drop-agent",
      detector: "drift",
      at: now(4, 1),
      event: "firing",
      state: "firing",
      severity: "critical",
      summary: "s",
    },
  ]);
  report = await driftReport(db, windows);
});
afterAll(() => database?.close());

const row = (job: string) => {
  const r = report.find((x) => x.job === job);
  if (!r) throw new Error(`no drift row for ${job}`);
  return r;
};

describe("drift_report_for", () => {
  it("has one row per job with runs in either window, worst first", () => {
    expect(report.map((r) => r.job)).toEqual(["drop", "gone", "new", "health", "steady"]);
    expect(row("drop").windowStart.toISOString()).toBe("2025-03-08T00:00:00.000Z");
    expect(row("drop").windowEnd.toISOString()).toBe("2025-03-15T00:00:00.000Z");
    expect(row("drop").baselineStart.toISOString()).toBe("2025-03-01T00:00:00.000Z");
  });

  it("pairs cases and gives the change a t-interval over cases", () => {
    const r = row("drop");
    const diffs = [2, 3, 1, 4, 4].map((p) => p / 5 - 1);
    const t = tInterval(diffs);
    expect(r.verdict).toBe("worse");
    expect(r.casesCompared).toBe(5);
    expect(r.accuracyChange).toBeCloseTo(t.estimate, 10);
    expect(r.changeLow).toBeCloseTo(t.low, 5);
    expect(r.changeHigh).toBeCloseTo(t.high, 5);
    expect(r.accuracyNow).toBeCloseTo(14 / 25, 10);
    expect(r.accuracyBaseline).toBe(1);
    // Gate and running runs are left out.
    expect(r.runsNow).toBe(2);
    expect(r.runsBaseline).toBe(2);
  });

  it("reports cost per case, p95 and model changes against the baseline", () => {
    const r = row("drop");
    expect(r.costPerCaseNow).toBeCloseTo(0.02, 10);
    expect(r.costPerCaseBaseline).toBeCloseTo(0.01, 10);
    expect(r.costRatio).toBeCloseTo(2, 10);
    expect(r.p95MsNow).toBe(1500);
    expect(r.p95ChangeMs).toBe(500);
    expect(r.agentModelNow).toBe("model-b");
    expect(r.agentModelBaseline).toBe("model-a");
    expect(r.modelChangedAt?.toISOString()).toBe(modelSwitchAt.toISOString());
    expect(r.goldenChangedAt).toBeNull();
  });

  it("carries open alerts", () => {
    expect(row("drop").openAlerts).toBe(1);
    expect(row("drop").openAlertSummaries).toEqual(["accuracy dropped 44 points"]);
    expect(row("steady").openAlerts).toBe(0);
  });

  it("says steady, no baseline and no data where they apply", () => {
    expect(row("steady").verdict).toBe("steady");
    expect(row("steady").accuracyChange).toBe(0);
    expect(row("new").verdict).toBe("no baseline");
    expect(row("gone").verdict).toBe("no data");
    expect(row("gone").runsNow).toBe(0);
  });

  it("filters one job, and the drift_report view answers at now()", async () => {
    expect((await driftReport(database.db, windows, { job: "steady" })).map((r) => r.job)).toEqual(["steady"]);
    const cols = await queryRows<Record<string, unknown>>(database.db, sql`select * from drift_report where job = 'no-such-job'`);
    expect(cols).toEqual([]);
  });
});

describe("case_health_for", () => {
  it("tells failing, worse, flaky and ok cases apart", async () => {
    const rows = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select * from case_health_for(${REPORT_DAY}::date, 7, 7) where job = 'health' order by case_id`,
    );
    expect(rows.map((r) => [r.case_id, r.status])).toEqual([
      ["c0", "ok"],
      ["c1", "failing"],
      ["c2", "flaky"],
      ["c3", "worse"],
    ]);
    const c2 = rows[2]!;
    expect(Number(c2.runs_now)).toBe(3);
    expect(Number(c2.flaky_runs_now)).toBe(3);
    expect(Number(c2.flakiness)).toBe(1);
    expect(Number(rows[3]!.pass_rate_now)).toBeCloseTo(3 / 15, 10);
    expect(Number(rows[3]!.pass_rate_baseline)).toBe(1);
  });
});

describe("rollup, daily and run views", () => {
  it("case_daily counts each completed run once, even when its row is written again", async () => {
    const [before] = await queryRows<{ runs: number; passes: number }>(
      database.db,
      sql`select runs, passes::int as passes from case_daily where job = 'steady' and case_id = 'c1' and day = '2025-03-02'`,
    );
    expect(before).toEqual({ runs: 1, passes: 4 });
    const [run] = await queryRows<{ id: string }>(
      database.db,
      sql`select id from runs where job = 'steady' and started_at = ${base(1).toISOString()}::timestamptz`,
    );
    await finishRun(database.db, run!.id, { status: "completed" });
    const [after] = await queryRows<{ runs: number }>(
      database.db,
      sql`select runs from case_daily where job = 'steady' and case_id = 'c1' and day = '2025-03-02'`,
    );
    expect(after!.runs).toBe(1);
  });

  it("accuracy_daily pools the day's runs per case, with the engine's interval", async () => {
    const rows = await queryRows<Record<string, unknown>>(database.db, sql`select * from accuracy_daily where job = 'drop' order by day`);
    expect(rows.map((r) => String(r.day).slice(0, 10))).toEqual(["2025-03-01", "2025-03-04", "2025-03-09", "2025-03-12"]);
    const day = rows[2]!;
    const expected = accuracyInterval([2, 3, 1, 4, 4].map((passes) => ({ passes, trials: 5 })));
    expect(Number(day.runs)).toBe(1);
    expect(Number(day.accuracy)).toBeCloseTo(expected.estimate, 10);
    expect(Number(day.ci_low)).toBeCloseTo(expected.low, 5);
    expect(Number(day.ci_high)).toBeCloseTo(expected.high, 5);
    // All passing: no spread between cases, so the pooled Wilson interval (as the engine does).
    const allPass = accuracyInterval([5, 5, 5, 5, 5].map((passes) => ({ passes, trials: 5 })));
    expect(Number(rows[0]!.ci_low)).toBeCloseTo(allPass.low, 5);
  });

  it("spend_daily is the bill: every finished run, gate runs included", async () => {
    const rows = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select * from spend_daily where job = 'drop' and day = '2025-03-13'`,
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.cost_usd)).toBeCloseTo(0.2, 10);
    expect(Number(rows[0]!.runs)).toBe(1);
  });

  it("run_summary has every run; case_runs unpacks counted runs per case; run_changes finds the switch", async () => {
    const [summary] = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select count(*)::int as n from run_summary where job = 'drop'`,
    );
    expect(summary!.n).toBe(6);
    const caseRuns = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select * from case_runs where job = 'drop' order by started_at, case_id`,
    );
    expect(caseRuns).toHaveLength(4 * 5);
    expect(Number(caseRuns[10]!.pass_rate)).toBeCloseTo(0.4, 10);
    const changes = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select kind, before, after from run_changes where job = 'drop'`,
    );
    expect(changes).toEqual([{ kind: "agent_model", before: "model-a", after: "model-b" }]);
  });

  it("alert_history lists state changes with the alert's current state", async () => {
    const rows = await queryRows<Record<string, unknown>>(
      database.db,
      sql`select event, current_state from alert_history where job = 'drop' order by at`,
    );
    expect(rows).toEqual([
      { event: "pending", current_state: "firing" },
      { event: "firing", current_state: "firing" },
    ]);
  });
});

describe("docs/queries.md", () => {
  it("every example query runs against the views", async () => {
    const doc = await readFile(new URL("../../docs/queries.md", import.meta.url), "utf8");
    const blocks = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const statements = blocks
      .flatMap((b) => b.split(/;\s*(?:\n|$)/))
      .map((s) => s.replace(/^--.*$/gm, "").trim())
      .filter(Boolean);
    expect(statements.length).toBeGreaterThanOrEqual(9);
    for (const statement of statements) {
      await expect(queryRows(database.db, sql.raw(statement)), statement).resolves.toBeInstanceOf(Array);
    }
    // The flaky-case query finds the cases that pass and fail within runs, and only those.
    const flaky = statements.find((s) => s.includes("from case_health"))!;
    const rows = await queryRows<Record<string, unknown>>(
      database.db,
      sql.raw(flaky.replace("from case_health", `from case_health_for('${REPORT_DAY}'::date, 7, 7)`)),
    );
    const found = rows.map((r) => `${String(r.job)}/${String(r.case_id)}`);
    expect(found).toContain("health/c2");
    expect(found).not.toContain("health/c0");
    expect(found).not.toContain("steady/c0");
  });
});

describe("the report views round what they show", () => {
  it("run_summary, case_runs, accuracy_daily and spend_daily print 0.925, not 0.9250000000000002", async () => {
    const db = database.db;
    const id = await seedRun(db, { job: "rounding", at: now(2), cases: cases([3, 2, 3], 3), costUsd: 0.1 + 0.2 });
    // What the engine's float mean stores for a run like this.
    await db.execute(sql`update runs set accuracy = 0.9250000000000002, p95_ms = 1234.5678901 where id = ${id}`);
    const [summary] = await queryRows<{ accuracy: number; cost_usd: number; p95_ms: number }>(
      db,
      sql`select accuracy, cost_usd, p95_ms from run_summary where run_id = ${id}`,
    );
    expect(summary).toEqual({ accuracy: 0.925, cost_usd: 0.3, p95_ms: 1234.57 });
    const rates = await queryRows<{ pass_rate: number }>(db, sql`select pass_rate from case_runs where run_id = ${id} order by case_id`);
    expect(rates.map((r) => r.pass_rate)).toEqual([1, 0.666667, 1]);
    const [day] = await queryRows<{ accuracy: number; max_run_accuracy: number }>(
      db,
      sql`select accuracy, max_run_accuracy from accuracy_daily where job = 'rounding'`,
    );
    expect(day!.max_run_accuracy).toBe(0.925);
    expect(String(day!.accuracy)).toMatch(/^0\.\d{1,6}$/);
    const [spend] = await queryRows<{ cost_usd: number }>(db, sql`select cost_usd from spend_daily where job = 'rounding'`);
    expect(spend!.cost_usd).toBe(0.3);
  });
});
