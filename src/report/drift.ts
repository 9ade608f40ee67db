import { sql } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { queryRows } from "../store/db.ts";

/** Which days `drift_report_for` compares: whole UTC days, the report day included. */
export interface DriftWindows {
  /** The last day of the current window (UTC, YYYY-MM-DD). */
  reportDay: string;
  currentDays: number;
  baselineDays: number;
}

/** One job's row of `drift_report_for`, typed. */
export interface DriftRow {
  job: string;
  agent: string;
  windowStart: Date;
  windowEnd: Date;
  baselineStart: Date;
  runsNow: number;
  runsBaseline: number;
  accuracyNow: number | null;
  accuracyBaseline: number | null;
  accuracyChange: number | null;
  changeLow: number | null;
  changeHigh: number | null;
  casesCompared: number;
  verdict: "worse" | "better" | "steady" | "no baseline" | "no data";
  costPerCaseNow: number | null;
  costPerCaseBaseline: number | null;
  costRatio: number | null;
  p95MsNow: number | null;
  p95MsBaseline: number | null;
  p95ChangeMs: number | null;
  errorRateNow: number | null;
  errorRateBaseline: number | null;
  agentModelNow: string | null;
  agentModelBaseline: string | null;
  modelChangedAt: Date | null;
  judgeModelNow: string | null;
  judgeModelBaseline: string | null;
  judgeChangedAt: Date | null;
  goldenHashNow: string | null;
  goldenChangedAt: Date | null;
  openAlerts: number;
  openAlertSummaries: string[];
}

const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) containing `at`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** Whole days covering a duration (at least one): a `--since 36h` report covers 2 days. */
export function daysCovering(ms: number): number {
  return Math.max(1, Math.ceil(ms / DAY_MS));
}

// Both drivers return timestamps differently (Date, or text in the session's format): epoch
// milliseconds read the same everywhere.
const ms = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8 as "${column}"`);
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const date = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));

/** Reads `drift_report_for` for every job (or one), ordered worst first, then by job. */
export async function driftReport(db: Db, windows: DriftWindows, opts: { job?: string } = {}): Promise<DriftRow[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`select d.*, ${ms("window_start")}, ${ms("window_end")}, ${ms("baseline_start")},
          ${ms("model_changed_at")}, ${ms("judge_changed_at")}, ${ms("golden_changed_at")}
        from drift_report_for(${windows.reportDay}::date, ${windows.currentDays}::int, ${windows.baselineDays}::int) d
        where ${opts.job === undefined ? sql`true` : sql`d.job = ${opts.job}`}
        order by case d.verdict when 'worse' then 0 when 'no data' then 1 when 'no baseline' then 2 when 'steady' then 3 else 4 end,
          d.open_alerts desc, d.job`,
  );
  return rows.map((r) => ({
    job: String(r.job),
    agent: String(r.agent),
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
    verdict: String(r.verdict) as DriftRow["verdict"],
    costPerCaseNow: num(r.cost_per_case_now),
    costPerCaseBaseline: num(r.cost_per_case_baseline),
    costRatio: num(r.cost_ratio),
    p95MsNow: num(r.p95_ms_now),
    p95MsBaseline: num(r.p95_ms_baseline),
    p95ChangeMs: num(r.p95_change_ms),
    errorRateNow: num(r.error_rate_now),
    errorRateBaseline: num(r.error_rate_baseline),
    agentModelNow: text(r.agent_model_now),
    agentModelBaseline: text(r.agent_model_baseline),
    modelChangedAt: date(r.model_changed_at),
    judgeModelNow: text(r.judge_model_now),
    judgeModelBaseline: text(r.judge_model_baseline),
    judgeChangedAt: date(r.judge_changed_at),
    goldenHashNow: text(r.golden_hash_now),
    goldenChangedAt: date(r.golden_changed_at),
    openAlerts: Number(r.open_alerts),
    openAlertSummaries: parseTextArray(r.open_alert_summaries),
  }));
}

/** text[] arrives as a JS array from both drivers; a Postgres array literal is parsed just in case. */
function parseTextArray(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== "string" || v === "{}") return [];
  return v
    .slice(1, -1)
    .split(",")
    .map((s) => s.replace(/^"|"$/g, "").replace(/\\"/g, '"'));
}
