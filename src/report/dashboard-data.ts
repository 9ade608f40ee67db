import { sql } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { queryRows } from "../store/db.ts";

/** One point of a job's time series: the completed runs of one time bucket, averaged. */
export interface SeriesPoint {
  at: Date;
  runs: number;
  accuracy: number | null;
  /** The runs' own 95% intervals, averaged over the bucket. */
  ciLow: number | null;
  ciHigh: number | null;
  costPerCase: number | null;
  p95Ms: number | null;
}

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

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
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

const epochMs = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);

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
  const jobFilter = (col: string) => (q.job === undefined ? sql`true` : sql`${sql.raw(col)} = ${q.job}`);
  const fromIso = from.toISOString();
  const toIso = to.toISOString();

  const [series, alertMarks, notes, open, strips] = await Promise.all([
    queryRows<Record<string, unknown>>(
      db,
      sql`select job, max(agent) as agent, ${epochMs("b")} as at, count(*)::int as runs,
            avg(accuracy) as accuracy, avg(ci_low) as ci_low, avg(ci_high) as ci_high,
            sum(cost_usd) / nullif(sum(cases), 0) as cost_per_case, avg(p95_ms) as p95_ms,
            min(agent_model) as model_lo, max(agent_model) as model_hi,
            min(judge_model) as judge_lo, max(judge_model) as judge_hi,
            min(golden_hash) as golden_lo, max(golden_hash) as golden_hi
          from (
            select r.*, date_bin(make_interval(secs => ${bucketMs / 1000}), r.started_at, ${fromIso}::timestamptz) as b
            from runs r
            where r.started_at >= ${fromIso}::timestamptz and r.started_at < ${toIso}::timestamptz
              and r.status = 'completed' and r.trigger <> 'gate' and ${jobFilter("r.job")}
          ) x
          group by job, b order by job collate "C", b`,
    ),
    queryRows<Record<string, unknown>>(
      db,
      sql`select job, summary, ${epochMs("at")} as at from alert_events
          where event = 'firing' and at >= ${fromIso}::timestamptz and at < ${toIso}::timestamptz and ${jobFilter("job")}
          order by job, at`,
    ),
    queryRows<Record<string, unknown>>(
      db,
      sql`select job, kind, message, ${epochMs("at")} as at from annotations
          where at >= ${fromIso}::timestamptz and at < ${toIso}::timestamptz and ${jobFilter("job")}
          order by job, at`,
    ),
    queryRows<Record<string, unknown>>(
      db,
      sql`select job, summary, severity, ${epochMs("coalesce(fired_at, starts_at)")} as since from alerts
          where state = 'firing' and ${jobFilter("job")} order by job, severity, fired_at`,
    ),
    queryRows<Record<string, unknown>>(
      db,
      sql`select job, case_id, (day - ${fromIso.slice(0, 10)}::date)::int as i, passes, scored from case_daily
          where day >= ${fromIso.slice(0, 10)}::date and day <= ${toIso.slice(0, 10)}::date and ${jobFilter("job")}`,
    ),
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
  for (const r of series) {
    panel(String(r.job), String(r.agent)).series.push({
      at: new Date(Number(r.at)),
      runs: Number(r.runs),
      accuracy: num(r.accuracy),
      ciLow: num(r.ci_low),
      ciHigh: num(r.ci_high),
      costPerCase: num(r.cost_per_case),
      p95Ms: num(r.p95_ms),
    });
  }
  for (const [job, rows] of groupBy(series, (r) => String(r.job))) {
    const p = panel(job);
    for (const [kind, lo, hi] of [
      ["agent_model", "model_lo", "model_hi"],
      ["judge_model", "judge_lo", "judge_hi"],
      ["golden_set", "golden_lo", "golden_hi"],
    ] as const) {
      const buckets = rows.map((r) => ({ at: new Date(Number(r.at)), lo: text(r[lo]), hi: text(r[hi]) }));
      for (const c of bucketChanges(buckets))
        p.markers.push({ at: c.at, kind, label: `${KIND_NAME[kind]} ${short(kind, c.before)} → ${short(kind, c.after)}` });
    }
  }
  for (const r of alertMarks)
    panel(String(r.job)).markers.push({ at: new Date(Number(r.at)), kind: "alert", label: `alert: ${String(r.summary)}` });
  for (const r of notes)
    panel(String(r.job)).markers.push({ at: new Date(Number(r.at)), kind: "annotation", label: `${String(r.kind)}: ${String(r.message)}` });
  for (const r of open)
    panel(String(r.job)).openAlerts.push({ summary: String(r.summary), severity: String(r.severity), since: new Date(Number(r.since)) });

  const byCase = new Map<string, { job: string; strip: CaseStrip; passes: number; scored: number }>();
  for (const r of strips) {
    const key = `${String(r.job)}\u0000${String(r.case_id)}`;
    let c = byCase.get(key);
    if (!c) {
      c = {
        job: String(r.job),
        strip: { caseId: String(r.case_id), rates: Array<number | null>(q.days).fill(null), overall: null },
        passes: 0,
        scored: 0,
      };
      byCase.set(key, c);
    }
    const i = Number(r.i);
    const scored = Number(r.scored);
    if (i >= 0 && i < q.days && scored > 0) c.strip.rates[i] = Number(r.passes) / scored;
    c.passes += Number(r.passes);
    c.scored += scored;
  }
  for (const c of byCase.values()) {
    c.strip.overall = c.scored > 0 ? c.passes / c.scored : null;
    panel(c.job).cases.push(c.strip);
  }
  for (const p of panels.values()) {
    p.markers.sort((a, b) => a.at.getTime() - b.at.getTime());
    // Worst cases first: the ones a person came to look at.
    p.cases.sort((a, b) => (a.overall ?? 2) - (b.overall ?? 2) || a.caseId.localeCompare(b.caseId));
  }
  const jobs = [...panels.values()].sort((a, b) => b.openAlerts.length - a.openAlerts.length || a.job.localeCompare(b.job));
  return { from, to, bucketMs, days, jobs };
}
