// The dashboard's per-run side: how many runs each job has in the range (which decides between a
// point per run and time buckets), the runs themselves when they are few, and each job's latest run.
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../store/db.ts";
import type { DashboardRange, SeriesBucket } from "./store.ts";

type Numeric = number | string;
const epochMs = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);
const num = (v: Numeric | null) => (v === null || v === undefined ? null : Number(v));
const inList = (xs: readonly string[]) =>
  sql.join(
    xs.map((x) => sql`${x}`),
    sql`, `,
  );

/** The runs the dashboard charts: completed, not gate runs, started in the range. */
const charted = (range: DashboardRange) =>
  sql`started_at >= ${range.from.toISOString()}::timestamptz and started_at < ${range.to.toISOString()}::timestamptz
      and status = 'completed' and trigger <> 'gate'`;

/** Charted runs per job in the range. */
export async function loadRunCounts(db: Db, range: DashboardRange): Promise<Map<string, number>> {
  const rows = await queryRows<{ job: string; n: Numeric }>(
    db,
    sql`select job, count(*)::int as n from runs where ${charted(range)}
        and ${range.job === undefined ? sql`true` : sql`job = ${range.job}`} group by job`,
  );
  return new Map(rows.map((r) => [r.job, Number(r.n)]));
}

/** A run drawn as its own point: a bucket of one run, which it links to. */
export type RunPoint = SeriesBucket & { runId: string };

/** Every charted run of these jobs in the range, one point each, by job then time. */
export async function loadRunPoints(db: Db, range: DashboardRange, jobs: readonly string[]): Promise<RunPoint[]> {
  if (jobs.length === 0) return [];
  const rows = await queryRows<{
    id: string;
    job: string;
    agent: string;
    at: Numeric;
    accuracy: Numeric | null;
    ci_low: Numeric | null;
    ci_high: Numeric | null;
    cost_per_case: Numeric | null;
    p95_ms: Numeric | null;
    agent_model: string | null;
    judge_model: string | null;
    golden_hash: string;
  }>(
    db,
    sql`select id, job, agent, ${epochMs("started_at")} as at, accuracy, ci_low, ci_high,
          cost_usd / nullif(cases, 0) as cost_per_case, p95_ms, agent_model, judge_model, golden_hash
        from runs where ${charted(range)} and job in (${inList(jobs)})
        order by job collate "C", started_at, id`,
  );
  return rows.map((r) => ({
    runId: r.id,
    job: r.job,
    agent: r.agent,
    at: new Date(Number(r.at)),
    runs: 1,
    accuracy: num(r.accuracy),
    ciLow: num(r.ci_low),
    ciHigh: num(r.ci_high),
    costPerCase: num(r.cost_per_case),
    p95Ms: num(r.p95_ms),
    agentModel: { lo: r.agent_model, hi: r.agent_model },
    judgeModel: { lo: r.judge_model, hi: r.judge_model },
    goldenHash: { lo: r.golden_hash, hi: r.golden_hash },
  }));
}

/** A job's newest finished run (any status but running; gate runs excluded), whatever the range. */
export interface LatestRun {
  job: string;
  runId: string;
  status: string;
  startedAt: Date;
  accuracy: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

/** The latest run of each of these jobs: one index lookup per job (runs_job_started_idx). */
export async function loadLatestRuns(db: Db, jobs: readonly string[]): Promise<LatestRun[]> {
  if (jobs.length === 0) return [];
  const rows = await queryRows<{
    job: string;
    id: string;
    status: string;
    at: Numeric;
    accuracy: Numeric | null;
    ci_low: Numeric | null;
    ci_high: Numeric | null;
  }>(
    db,
    sql`select j.job, r.id, r.status, ${epochMs("r.started_at")} as at, r.accuracy, r.ci_low, r.ci_high
        from (select distinct x as job from unnest(array[${inList(jobs)}]::text[]) as x) j
        cross join lateral (
          select id, status, started_at, accuracy, ci_low, ci_high from runs
          where job = j.job and status <> 'running' and trigger <> 'gate'
          order by started_at desc, id desc limit 1
        ) r`,
  );
  return rows.map((r) => ({
    job: r.job,
    runId: r.id,
    status: r.status,
    startedAt: new Date(Number(r.at)),
    accuracy: num(r.accuracy),
    ciLow: num(r.ci_low),
    ciHigh: num(r.ci_high),
  }));
}
