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
import { loadLatestRuns, loadRunCounts, loadRunPoints, type LatestRun } from "./series-store.ts";

/**
 * One point of a job's time series: one run (with its id), or the completed runs of one time
 * bucket, averaged.
 */
export type SeriesPoint = Pick<SeriesBucket, "at" | "runs" | "accuracy" | "ciLow" | "ciHigh" | "costPerCase" | "p95Ms"> & {
  runId?: string;
};

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
  /** "run": a point per run; otherwise the bucket width in milliseconds. */
  resolution: "run" | number;
  /** The newest finished run, whatever the range: what "latest accuracy" means. */
  latest?: LatestRun;
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
const MINUTE_MS = 60_000;
/** A job with at most this many runs in the range is drawn a point per run; more, in time buckets. */
export const MAX_RUN_POINTS = 300;
/** Buckets per chart at most. */
const MAX_BUCKETS = 240;
/** Bucket widths, finest first: each divides the next, so buckets line up with cron schedules. */
const BUCKET_LADDER = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MINUTE_MS);

/**
 * Bucket width for a range: the finest of the ladder that keeps the chart to MAX_BUCKETS points
 * (10 minutes on a day, an hour on a week, 3 hours on 30 days, 2 days on a year).
 */
export function bucketFor(rangeMs: number): number {
  return BUCKET_LADDER.find((w) => rangeMs / w <= MAX_BUCKETS) ?? BUCKET_LADDER.at(-1)!;
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
 * Everything the dashboard draws, read from run-level rows: runs (a point per run for a job with
 * few runs in the range, else bucketed; and changes), case_daily (case strips), the alert tables
 * and annotations. Eight queries, whatever the size of the history.
 */
export async function loadDashboard(db: Db, q: DashboardQuery): Promise<DashboardData> {
  const firstDay = Date.UTC(q.now.getUTCFullYear(), q.now.getUTCMonth(), q.now.getUTCDate()) - (q.days - 1) * DAY_MS;
  const from = new Date(firstDay);
  const to = q.now;
  const bucketMs = bucketFor(to.getTime() - from.getTime());
  const days = Array.from({ length: q.days }, (_, i) => new Date(firstDay + i * DAY_MS));
  const range: DashboardRange = { from, to, bucketMs, ...(q.job === undefined ? {} : { job: q.job }) };

  const counts = await loadRunCounts(db, range);
  const perRun = [...counts].filter(([, n]) => n <= MAX_RUN_POINTS).map(([job]) => job);
  const bucketed = [...counts].filter(([, n]) => n > MAX_RUN_POINTS).map(([job]) => job);
  const [points, buckets, latest, firings, notes, open, caseDays] = await Promise.all([
    loadRunPoints(db, range, perRun),
    loadSeriesBuckets(db, range, bucketed),
    loadLatestRuns(db, [...counts.keys()]),
    loadFirings(db, range),
    loadAnnotations(db, range),
    loadOpenAlerts(db, range),
    loadCaseDays(db, range),
  ]);

  const panels = new Map<string, JobPanel>();
  const panel = (job: string, agent = "") => {
    let p = panels.get(job);
    if (!p) {
      p = { job, agent, resolution: bucketed.includes(job) ? bucketMs : "run", series: [], markers: [], cases: [], openAlerts: [] };
      panels.set(job, p);
    }
    return p;
  };
  const series: SeriesBucket[] = [...points, ...buckets];
  for (const b of series) {
    const { job, agent, at, runs, accuracy, ciLow, ciHigh, costPerCase, p95Ms } = b;
    const runId = "runId" in b ? (b.runId as string) : undefined;
    panel(job, agent).series.push({ at, runs, accuracy, ciLow, ciHigh, costPerCase, p95Ms, ...(runId ? { runId } : {}) });
  }
  for (const l of latest) panel(l.job).latest = l;
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
