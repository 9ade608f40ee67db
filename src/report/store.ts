// The reports' database side: the queries behind the dashboard and the drift report, each read
// into a typed row as the drivers return it and converted once. Reads run-level rows, rollups and
// views, never a history of trials.
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../store/db.ts";
import type { DriftRow, DriftWindows } from "./drift.ts";

/**
 * A number as a driver returns it: bigint and numeric arrive as text from postgres.js, and an
 * epoch in milliseconds (float8) as a number from both.
 */
type Numeric = number | string;

// Both drivers return timestamps differently (Date, or text in the session's format): epoch
// milliseconds read the same everywhere.
const epochMs = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);
const num = (v: Numeric | null) => (v === null || v === undefined ? null : Number(v));
const date = (v: Numeric | null) => (v === null || v === undefined ? null : new Date(Number(v)));

/** What the dashboard shows: completed runs from `from` until `to`, of one job or all. */
export interface DashboardRange {
  from: Date;
  to: Date;
  /** Width of a series bucket. */
  bucketMs: number;
  job?: string;
}

const jobFilter = (range: DashboardRange, col: string) => (range.job === undefined ? sql`true` : sql`${sql.raw(col)} = ${range.job}`);

/** The lowest and highest value of a text column over a bucket. */
export interface Span {
  lo: string | null;
  hi: string | null;
}

/** One job's completed runs of one time bucket, averaged. */
export interface SeriesBucket {
  job: string;
  agent: string;
  at: Date;
  runs: number;
  accuracy: number | null;
  /** The runs' own 95% intervals, averaged over the bucket. */
  ciLow: number | null;
  ciHigh: number | null;
  costPerCase: number | null;
  p95Ms: number | null;
  agentModel: Span;
  judgeModel: Span;
  goldenHash: Span;
}

interface SeriesRow {
  job: string;
  agent: string;
  at: Numeric;
  runs: Numeric;
  accuracy: Numeric | null;
  ci_low: Numeric | null;
  ci_high: Numeric | null;
  cost_per_case: Numeric | null;
  p95_ms: Numeric | null;
  model_lo: string | null;
  model_hi: string | null;
  judge_lo: string | null;
  judge_hi: string | null;
  golden_lo: string | null;
  golden_hi: string | null;
}

/** Completed, non-gate runs per job and bucket (buckets start at `from`), by job then time; only `jobs` when given. */
export async function loadSeriesBuckets(db: Db, range: DashboardRange, jobs?: readonly string[]): Promise<SeriesBucket[]> {
  if (jobs?.length === 0) return [];
  const only =
    jobs === undefined
      ? sql`true`
      : sql`r.job in (${sql.join(
          jobs.map((j) => sql`${j}`),
          sql`, `,
        )})`;
  const fromIso = range.from.toISOString();
  const toIso = range.to.toISOString();
  const rows = await queryRows<SeriesRow>(
    db,
    sql`select job, max(agent) as agent, ${epochMs("b")} as at, count(*)::int as runs,
          avg(accuracy) as accuracy, avg(ci_low) as ci_low, avg(ci_high) as ci_high,
          sum(cost_usd) / nullif(sum(cases), 0) as cost_per_case, avg(p95_ms) as p95_ms,
          min(agent_model) as model_lo, max(agent_model) as model_hi,
          min(judge_model) as judge_lo, max(judge_model) as judge_hi,
          min(golden_hash) as golden_lo, max(golden_hash) as golden_hi
        from (
          select r.*, date_bin(make_interval(secs => ${range.bucketMs / 1000}), r.started_at, ${fromIso}::timestamptz) as b
          from runs r
          where r.started_at >= ${fromIso}::timestamptz and r.started_at < ${toIso}::timestamptz
            and r.status = 'completed' and r.trigger <> 'gate' and ${jobFilter(range, "r.job")} and ${only}
        ) x
        group by job, b order by job collate "C", b`,
  );
  return rows.map((r) => ({
    job: r.job,
    agent: r.agent,
    at: new Date(Number(r.at)),
    runs: Number(r.runs),
    accuracy: num(r.accuracy),
    ciLow: num(r.ci_low),
    ciHigh: num(r.ci_high),
    costPerCase: num(r.cost_per_case),
    p95Ms: num(r.p95_ms),
    agentModel: { lo: r.model_lo, hi: r.model_hi },
    judgeModel: { lo: r.judge_lo, hi: r.judge_hi },
    goldenHash: { lo: r.golden_lo, hi: r.golden_hi },
  }));
}

/** An alert that fired, or an annotation: something that happened to a job at a time. */
export interface JobEvent {
  job: string;
  at: Date;
  /** The alert's summary; an annotation's `kind: message`. */
  label: string;
}

/** Alerts that fired in the range, by job and time. */
export async function loadFirings(db: Db, range: DashboardRange): Promise<JobEvent[]> {
  const rows = await queryRows<{ job: string; summary: string; at: Numeric }>(
    db,
    sql`select job, summary, ${epochMs("at")} as at from alert_events
        where event = 'firing' and at >= ${range.from.toISOString()}::timestamptz and at < ${range.to.toISOString()}::timestamptz
          and ${jobFilter(range, "job")}
        order by job, at`,
  );
  return rows.map((r) => ({ job: r.job, at: new Date(Number(r.at)), label: r.summary }));
}

/** Annotations in the range, by job and time. */
export async function loadAnnotations(db: Db, range: DashboardRange): Promise<JobEvent[]> {
  const rows = await queryRows<{ job: string; kind: string; message: string; at: Numeric }>(
    db,
    sql`select job, kind, message, ${epochMs("at")} as at from annotations
        where at >= ${range.from.toISOString()}::timestamptz and at < ${range.to.toISOString()}::timestamptz and ${jobFilter(range, "job")}
        order by job, at`,
  );
  return rows.map((r) => ({ job: r.job, at: new Date(Number(r.at)), label: `${r.kind}: ${r.message}` }));
}

/** An alert firing now. */
export interface OpenAlert {
  job: string;
  summary: string;
  severity: string;
  since: Date;
}

/** Alerts firing now (whatever the range), by job, severity and when they fired. */
export async function loadOpenAlerts(db: Db, range: DashboardRange): Promise<OpenAlert[]> {
  const rows = await queryRows<{ job: string; summary: string; severity: string; since: Numeric }>(
    db,
    sql`select job, summary, severity, ${epochMs("coalesce(fired_at, starts_at)")} as since from alerts
        where state = 'firing' and ${jobFilter(range, "job")} order by job, severity, fired_at`,
  );
  return rows.map((r) => ({ job: r.job, summary: r.summary, severity: r.severity, since: new Date(Number(r.since)) }));
}

/** One case's counts on one day of the range (from case_daily). */
export interface CaseDay {
  job: string;
  caseId: string;
  /** Days since the range's first day. */
  day: number;
  passes: number;
  scored: number;
}

/** case_daily rows of the range's days, in no particular order. */
export async function loadCaseDays(db: Db, range: DashboardRange): Promise<CaseDay[]> {
  const fromDay = range.from.toISOString().slice(0, 10);
  const toDay = range.to.toISOString().slice(0, 10);
  const rows = await queryRows<{ job: string; case_id: string; i: Numeric; passes: Numeric; scored: Numeric }>(
    db,
    sql`select job, case_id, (day - ${fromDay}::date)::int as i, passes, scored from case_daily
        where day >= ${fromDay}::date and day <= ${toDay}::date and ${jobFilter(range, "job")}`,
  );
  return rows.map((r) => ({
    job: r.job,
    caseId: r.case_id,
    day: Number(r.i),
    passes: Number(r.passes),
    scored: Number(r.scored),
  }));
}

/** A row of `drift_report_for` as the drivers return it, its timestamps as epoch milliseconds. */
interface DriftReportRow {
  job: string;
  agent: string;
  window_start: Numeric;
  window_end: Numeric;
  baseline_start: Numeric;
  runs_now: Numeric;
  runs_baseline: Numeric;
  accuracy_now: Numeric | null;
  accuracy_baseline: Numeric | null;
  accuracy_change: Numeric | null;
  change_low: Numeric | null;
  change_high: Numeric | null;
  cases_compared: Numeric;
  verdict: string;
  cost_per_case_now: Numeric | null;
  cost_per_case_baseline: Numeric | null;
  cost_ratio: Numeric | null;
  p95_ms_now: Numeric | null;
  p95_ms_baseline: Numeric | null;
  p95_change_ms: Numeric | null;
  error_rate_now: Numeric | null;
  error_rate_baseline: Numeric | null;
  agent_model_now: string | null;
  agent_model_baseline: string | null;
  model_changed_at: Numeric | null;
  judge_model_now: string | null;
  judge_model_baseline: string | null;
  judge_changed_at: Numeric | null;
  golden_hash_now: string | null;
  golden_changed_at: Numeric | null;
  open_alerts: Numeric;
  /** text[]: an array from both drivers, or an array literal. */
  open_alert_summaries: string[] | string | null;
}

const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8 as "${column}"`);

/** Reads `drift_report_for` for every job (or one), ordered worst first, then by job. */
export async function driftReport(db: Db, windows: DriftWindows, opts: { job?: string } = {}): Promise<DriftRow[]> {
  const rows = await queryRows<DriftReportRow>(
    db,
    sql`select d.*, ${ms("window_start")}, ${ms("window_end")}, ${ms("baseline_start")},
          ${ms("model_changed_at")}, ${ms("judge_changed_at")}, ${ms("golden_changed_at")}
        from drift_report_for(${windows.reportDay}::date, ${windows.currentDays}::int, ${windows.baselineDays}::int) d
        where ${opts.job === undefined ? sql`true` : sql`d.job = ${opts.job}`}
        order by case d.verdict when 'worse' then 0 when 'no data' then 1 when 'no baseline' then 2 when 'steady' then 3 else 4 end,
          d.open_alerts desc, d.job`,
  );
  return rows.map(driftRowOf);
}

function driftRowOf(r: DriftReportRow): DriftRow {
  return {
    job: r.job,
    agent: r.agent,
    windowStart: date(r.window_start)!,
    windowEnd: date(r.window_end)!,
    baselineStart: date(r.baseline_start)!,
    runsNow: Number(r.runs_now),
    runsBaseline: Number(r.runs_baseline),
    accuracyNow: num(r.accuracy_now),
    accuracyBaseline: num(r.accuracy_baseline),
    accuracyChange: num(r.accuracy_change),
    changeLow: num(r.change_low),
    changeHigh: num(r.change_high),
    casesCompared: Number(r.cases_compared),
    verdict: r.verdict as DriftRow["verdict"],
    costPerCaseNow: num(r.cost_per_case_now),
    costPerCaseBaseline: num(r.cost_per_case_baseline),
    costRatio: num(r.cost_ratio),
    p95MsNow: num(r.p95_ms_now),
    p95MsBaseline: num(r.p95_ms_baseline),
    p95ChangeMs: num(r.p95_change_ms),
    errorRateNow: num(r.error_rate_now),
    errorRateBaseline: num(r.error_rate_baseline),
    agentModelNow: r.agent_model_now,
    agentModelBaseline: r.agent_model_baseline,
    modelChangedAt: date(r.model_changed_at),
    judgeModelNow: r.judge_model_now,
    judgeModelBaseline: r.judge_model_baseline,
    judgeChangedAt: date(r.judge_changed_at),
    goldenHashNow: r.golden_hash_now,
    goldenChangedAt: date(r.golden_changed_at),
    openAlerts: Number(r.open_alerts),
    openAlertSummaries: parseTextArray(r.open_alert_summaries),
  };
}

/**
 * text[] arrives as a JS array from PGlite, and as its array literal from a server (postgres.js runs
 * without fetch_types, see src/store/db.ts): `{a,"b, c","say \\"hi\\"",NULL}`. NULL elements are dropped.
 */
export function parseTextArray(v: string[] | string | null): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== "string" || v.length < 2) return [];
  const out: string[] = [];
  let i = 1;
  while (i < v.length - 1) {
    let item = "";
    if (v[i] === '"') {
      for (i++; i < v.length && v[i] !== '"'; i++) item += v[i] === "\\" ? v[++i] : v[i];
      i++; // the closing quote
      out.push(item);
    } else {
      const comma = v.indexOf(",", i);
      const end = comma === -1 ? v.length - 1 : comma;
      item = v.slice(i, end);
      i = end;
      if (item !== "NULL" && item !== "") out.push(item);
    }
    i++; // the comma
  }
  return out;
}
