import type { Db } from "../store/db.ts";
import {
  loadAnnotations,
  loadCaseDays,
  loadFirings,
  loadOpenAlerts,
  loadSeriesBuckets,
  type CaseDay,
  type DashboardRange,
  type SeriesBucket,
} from "./store.ts";

/** One point of a job's time series: the completed runs of one time bucket, averaged. */
export type SeriesPoint = Pick<SeriesBucket, "at" | "runs" | "accuracy" | "ciLow" | "ciHigh" | "costPerCase" | "p95Ms">;

/** Something that happened to a job, drawn as a vertical marker. */
export interface Marker {
  at: Date;
  /** annotation: a note from detection (e.g. a new baseline), from the annotations table. */
  kind: "agent_model" | "judge_model" | "golden_set" | "alert" | "annotation";
  label: string;
}

/** One case's pass rate per day: `rates[i]` is day i of the range, null when it did not run. */
export interface CaseStrip {
  caseId: string;
  rates: (number | null)[];
  /** Pass rate over the whole range, for sorting worst first. */
  overall: number | null;
}

export interface JobPanel {
  job: string;
  agent: string;
  series: SeriesPoint[];
  markers: Marker[];
  cases: CaseStrip[];
  openAlerts: { summary: string; severity: string; since: Date }[];
}

export interface DashboardData {
  from: Date;
  to: Date;
  bucketMs: number;
  /** The first instant of each day column of the case strips (UTC). */
  days: Date[];
  jobs: JobPanel[];
}

export interface DashboardQuery {
  now: Date;
  /** Days of history to show (today included). */
  days: number;
  job?: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Points per chart at most: one per run up to two days, then runs averaged per bucket. */
const MAX_POINTS = 120;

/** Bucket width for a range: whole hours, so buckets line up with hourly schedules. */
export function bucketFor(rangeMs: number): number {
  return Math.max(1, Math.ceil(rangeMs / MAX_POINTS / HOUR_MS)) * HOUR_MS;
}

const KIND_NAME = { agent_model: "agent model", judge_model: "judge model", golden_set: "golden set" } as const;
const short = (kind: keyof typeof KIND_NAME, s: string) => (kind === "golden_set" ? s.slice(0, 12) : s);

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/**
 * Changes of a value (agent model, judge model, golden set) from per-bucket min and max, in time
 * order: a bucket whose value differs from the one before, or that holds two values, marks a
 * change at that bucket. Cheap (no per-run window scan); exact to the bucket. Pure.
 */
export function bucketChanges(
  buckets: readonly { at: Date; lo: string | null; hi: string | null }[],
): { at: Date; before: string; after: string }[] {
  const out: { at: Date; before: string; after: string }[] = [];
  let current: string | null = null;
  for (const b of buckets) {
    if (b.lo === null || b.hi === null) continue;
    if (b.lo === b.hi) {
      if (current !== null && current !== b.lo) out.push({ at: b.at, before: current, after: b.lo });
      current = b.lo;
    } else {
      // Two values in one bucket: the one that continues the previous bucket came first.
      const before: string = current === b.hi ? b.hi : b.lo;
      const after: string = before === b.lo ? b.hi : b.lo;
      out.push({ at: b.at, before, after });
      current = after;
    }
  }
  return out;
}

/**
 * Everything the dashboard draws, read from run-level rows: runs (bucketed series and changes),
 * case_daily (case strips), the alert tables and annotations. Five queries, run together, whatever
 * the size of the history.
 */
export async function loadDashboard(db: Db, q: DashboardQuery): Promise<DashboardData> {
  const firstDay = Date.UTC(q.now.getUTCFullYear(), q.now.getUTCMonth(), q.now.getUTCDate()) - (q.days - 1) * DAY_MS;
  const from = new Date(firstDay);
  const to = q.now;
  const bucketMs = bucketFor(to.getTime() - from.getTime());
  const days = Array.from({ length: q.days }, (_, i) => new Date(firstDay + i * DAY_MS));
  const range: DashboardRange = { from, to, bucketMs, ...(q.job === undefined ? {} : { job: q.job }) };

  const [series, firings, notes, open, caseDays] = await Promise.all([
    loadSeriesBuckets(db, range),
    loadFirings(db, range),
    loadAnnotations(db, range),
    loadOpenAlerts(db, range),
    loadCaseDays(db, range),
  ]);

  const panels = new Map<string, JobPanel>();
  const panel = (job: string, agent = "") => {
    let p = panels.get(job);
    if (!p) {
      p = { job, agent, series: [], markers: [], cases: [], openAlerts: [] };
      panels.set(job, p);
    }
    return p;
  };
  for (const b of series) {
    const { job, agent, at, runs, accuracy, ciLow, ciHigh, costPerCase, p95Ms } = b;
    panel(job, agent).series.push({ at, runs, accuracy, ciLow, ciHigh, costPerCase, p95Ms });
  }
  for (const [job, buckets] of groupBy(series, (b) => b.job)) {
    const p = panel(job);
    for (const [kind, span] of [
      ["agent_model", "agentModel"],
      ["judge_model", "judgeModel"],
      ["golden_set", "goldenHash"],
    ] as const) {
      for (const c of bucketChanges(buckets.map((b) => ({ at: b.at, ...b[span] }))))
        p.markers.push({ at: c.at, kind, label: `${KIND_NAME[kind]} ${short(kind, c.before)} → ${short(kind, c.after)}` });
    }
  }
  for (const e of firings) panel(e.job).markers.push({ at: e.at, kind: "alert", label: `alert: ${e.label}` });
  for (const e of notes) panel(e.job).markers.push({ at: e.at, kind: "annotation", label: e.label });
  for (const a of open) panel(a.job).openAlerts.push({ summary: a.summary, severity: a.severity, since: a.since });

  for (const { job, strip } of caseStrips(caseDays, q.days)) panel(job).cases.push(strip);
  for (const p of panels.values()) {
    p.markers.sort((a, b) => a.at.getTime() - b.at.getTime());
    // Worst cases first: the ones a person came to look at.
    p.cases.sort((a, b) => (a.overall ?? 2) - (b.overall ?? 2) || a.caseId.localeCompare(b.caseId));
  }
  const jobs = [...panels.values()].sort((a, b) => b.openAlerts.length - a.openAlerts.length || a.job.localeCompare(b.job));
  return { from, to, bucketMs, days, jobs };
}

/** Each case's strip over `days` days from its daily counts, in order of first appearance. Pure. */
function caseStrips(rows: readonly CaseDay[], days: number): { job: string; strip: CaseStrip }[] {
  const byCase = new Map<string, { job: string; strip: CaseStrip; passes: number; scored: number }>();
  for (const r of rows) {
    const key = `${r.job}\u0000${r.caseId}`;
    let c = byCase.get(key);
    if (!c) {
      c = { job: r.job, strip: { caseId: r.caseId, rates: Array<number | null>(days).fill(null), overall: null }, passes: 0, scored: 0 };
      byCase.set(key, c);
    }
    if (r.day >= 0 && r.day < days && r.scored > 0) c.strip.rates[r.day] = r.passes / r.scored;
    c.passes += r.passes;
    c.scored += r.scored;
  }
  return [...byCase.values()].map((c) => {
    c.strip.overall = c.scored > 0 ? c.passes / c.scored : null;
    return { job: c.job, strip: c.strip };
  });
}
