// Drift report windows and the helpers that describe them; the rows come from ./store.ts (driftReport).

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
