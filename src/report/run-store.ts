// The run, runs-list and case pages' database side: one run with its cases, a page of a job's runs
// (keyset on started_at, id), a page of one run's trials (keyset on the trials' key), and one
// case's history from the runs' case_stats. Bounded reads only: every query has a limit.
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import { queryRows, type Db } from "../store/db.ts";
import { getRun, type RunRow } from "../store/runs.ts";
import { runs } from "../store/schema.ts";

export type { RunRow };

/** A number or text as the drivers return it. */
type Numeric = number | string;
const epochMs = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);
const num = (v: Numeric | null | undefined) => (v === null || v === undefined ? null : Number(v));
/** jsonb arrives parsed from both drivers; text is parsed in case a driver hands it over as text. */
const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : (v ?? null));

/** One stored trial, as the pages and the API show it. */
export interface TrialView {
  caseId: string;
  repeat: number;
  startedAt: Date;
  status: string;
  passed: boolean;
  score: number;
  latencyMs: number;
  output: string | null;
  steps: unknown;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  model: string | null;
  errorKind: string | null;
  errorMessage: string | null;
  assertions: unknown;
}

interface TrialDbRow {
  run_id: string;
  case_id: string;
  repeat: Numeric;
  started_at: Numeric;
  status: string;
  passed: boolean;
  score: Numeric;
  latency_ms: Numeric;
  output: string | null;
  steps: unknown;
  input_tokens: Numeric;
  output_tokens: Numeric;
  cost_usd: Numeric;
  model: string | null;
  error_kind: string | null;
  error_message: string | null;
  assertions: unknown;
}

const TRIAL_COLUMNS =
  sql.raw(`run_id, case_id, repeat, (extract(epoch from started_at) * 1000)::float8 as started_at, status, passed, score,
  latency_ms, output, steps, input_tokens, output_tokens, cost_usd, model, error_kind, error_message, assertions`);

const trialOf = (r: TrialDbRow): TrialView => ({
  caseId: r.case_id,
  repeat: Number(r.repeat),
  startedAt: new Date(Number(r.started_at)),
  status: r.status,
  passed: r.passed,
  score: Number(r.score),
  latencyMs: Number(r.latency_ms),
  output: r.output,
  steps: json(r.steps),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  costUsd: Number(r.cost_usd),
  model: r.model,
  errorKind: r.error_kind,
  errorMessage: r.error_message,
  assertions: json(r.assertions),
});

/**
 * Trials are range-partitioned on started_at, and a run's trials start at or after the run:
 * bounding by the run's start lets the planner skip older partitions.
 */
const ofRun = (run: Pick<RunRow, "id" | "startedAt">): SQL =>
  sql`run_id = ${run.id} and started_at >= ${run.startedAt.toISOString()}::timestamptz`;

/** A run by id, or undefined. */
export const loadRun = (db: Db, id: string): Promise<RunRow | undefined> => getRun(db, id);

/** Where a page of trials continues: after this trial key (the table's key order). */
export interface TrialCursor {
  caseId: string;
  repeat: number;
  startedAt: Date;
}

/** A page of a run's trials in key order (case, repeat, start), optionally only those that did not pass. */
export async function loadTrialPage(
  db: Db,
  run: Pick<RunRow, "id" | "startedAt">,
  q: { limit: number; after?: TrialCursor; failingOnly?: boolean; caseId?: string },
): Promise<TrialView[]> {
  const after = q.after
    ? sql`and (case_id, repeat, started_at) > (${q.after.caseId}, ${q.after.repeat}, ${q.after.startedAt.toISOString()}::timestamptz)`
    : sql``;
  const rows = await queryRows<TrialDbRow>(
    db,
    sql`select ${TRIAL_COLUMNS} from trials where ${ofRun(run)}
        ${q.failingOnly ? sql`and status <> 'pass'` : sql``} ${q.caseId === undefined ? sql`` : sql`and case_id = ${q.caseId}`} ${after}
        order by case_id collate "C", repeat, started_at limit ${q.limit}`,
  );
  return rows.map(trialOf);
}

/** Up to `perCase` trials that did not pass of each of `caseIds` (the run page's first view). */
export async function loadFailingTrials(
  db: Db,
  run: Pick<RunRow, "id" | "startedAt">,
  caseIds: readonly string[],
  perCase: number,
): Promise<TrialView[]> {
  if (caseIds.length === 0) return [];
  const rows = await queryRows<TrialDbRow>(
    db,
    sql`select * from (
          select ${TRIAL_COLUMNS}, row_number() over (partition by case_id order by repeat, started_at) as rn
          from trials where ${ofRun(run)} and status <> 'pass'
            and case_id in (${sql.join(
              caseIds.map((c) => sql`${c}`),
              sql`, `,
            )})
        ) x where rn <= ${perCase} order by case_id collate "C", repeat, started_at`,
  );
  return rows.map(trialOf);
}

/** One case's counts in one run. */
export interface CaseCount {
  id: string;
  trials: number;
  scored: number;
  passes: number;
  errors: number;
}

/**
 * A run's per-case counts: its stored case_stats, or, for a run that ended without them (failed,
 * reaped), counted from its trials.
 */
export async function runCases(db: Db, run: RunRow): Promise<CaseCount[]> {
  if (Array.isArray(run.caseStats) && run.caseStats.length > 0) {
    return (run.caseStats as Record<string, unknown>[]).map((c) => ({
      id: String(c.id),
      trials: Number(c.trials ?? 0),
      scored: Number(c.scored ?? 0),
      passes: Number(c.passes ?? 0),
      errors: Number(c.errors ?? 0),
    }));
  }
  const rows = await queryRows<{ id: string; trials: Numeric; scored: Numeric; passes: Numeric; errors: Numeric }>(
    db,
    sql`select case_id as id, count(*)::int as trials,
          count(*) filter (where status in ('pass', 'fail', 'budget_exceeded'))::int as scored,
          count(*) filter (where status = 'pass')::int as passes,
          count(*) filter (where status = 'error')::int as errors
        from trials where ${ofRun(run)} group by case_id`,
  );
  return rows.map((r) => ({
    id: r.id,
    trials: Number(r.trials),
    scored: Number(r.scored),
    passes: Number(r.passes),
    errors: Number(r.errors),
  }));
}

/** Where a page of runs continues: before this run (newest first). */
export interface RunCursor {
  startedAt: Date;
  id: string;
}

/** A page of runs, newest first (keyset on started_at, id), of one job or of all. */
export async function listRuns(db: Db, q: { job?: string; limit: number; before?: RunCursor }): Promise<RunRow[]> {
  const conds: SQL[] = [];
  if (q.job !== undefined) conds.push(eq(runs.job, q.job));
  if (q.before) conds.push(sql`(${runs.startedAt}, ${runs.id}) < (${q.before.startedAt.toISOString()}::timestamptz, ${q.before.id})`);
  return db
    .select()
    .from(runs)
    .where(conds.length > 0 ? and(...conds) : undefined)
    .orderBy(desc(runs.startedAt), desc(runs.id))
    .limit(q.limit);
}

/** An alert event tied to a run: it fired or resolved on that run. */
export interface RunAlertEvent {
  runId: string;
  event: string;
  severity: string;
  summary: string;
}

/** Firing and resolve events of these runs (the runs list's alert markers). */
export async function alertEventsOfRuns(db: Db, job: string | undefined, runIds: readonly string[]): Promise<RunAlertEvent[]> {
  if (runIds.length === 0) return [];
  const rows = await queryRows<{ run_id: string; event: string; severity: string; summary: string }>(
    db,
    sql`select run_id, event, severity, summary from alert_events
        where ${job === undefined ? sql`true` : sql`job = ${job}`} and event in ('firing', 'resolved')
          and run_id in (${sql.join(
            runIds.map((id) => sql`${id}`),
            sql`, `,
          )})
        order by at, id`,
  );
  return rows.map((r) => ({ runId: r.run_id, event: r.event, severity: r.severity, summary: r.summary }));
}

/** One case in one completed run, from the run's case_stats. */
export interface CaseRun {
  runId: string;
  startedAt: Date;
  goldenHash: string;
  passes: number;
  scored: number;
  errors: number;
}

/**
 * A case's counts in the job's newest `limit` completed runs (gate runs excluded), oldest first,
 * read from the runs' case_stats (no trial is read).
 */
export async function caseHistory(db: Db, q: { job: string; caseId: string; limit: number }): Promise<CaseRun[]> {
  const rows = await queryRows<{ id: string; at: Numeric; golden_hash: string; passes: Numeric; scored: Numeric; errors: Numeric | null }>(
    db,
    sql`select r.id, ${epochMs("r.started_at")} as at, r.golden_hash, (e->>'passes')::int as passes, (e->>'scored')::int as scored,
          (e->>'errors')::int as errors
        from (
          select id, started_at, golden_hash, case_stats from runs
          where job = ${q.job} and status = 'completed' and trigger <> 'gate'
          order by started_at desc, id desc limit ${q.limit}
        ) r cross join lateral jsonb_array_elements(case when jsonb_typeof(r.case_stats) = 'array' then r.case_stats else '[]'::jsonb end) e
        where e->>'id' = ${q.caseId}
        order by r.started_at, r.id`,
  );
  return rows.map((r) => ({
    runId: r.id,
    startedAt: new Date(Number(r.at)),
    goldenHash: r.golden_hash,
    passes: Number(r.passes ?? 0),
    scored: Number(r.scored ?? 0),
    errors: num(r.errors) ?? 0,
  }));
}

/** A trial of the case that did not pass, with the run it belongs to. */
export type CaseFailure = TrialView & { runId: string };

/** The newest `limit` trials of a case that did not pass, in the given runs (newest first). */
export async function caseFailures(
  db: Db,
  q: { caseId: string; runs: readonly { runId: string; startedAt: Date }[]; limit: number },
): Promise<CaseFailure[]> {
  if (q.runs.length === 0) return [];
  const since = new Date(Math.min(...q.runs.map((r) => r.startedAt.getTime())));
  const rows = await queryRows<TrialDbRow>(
    db,
    sql`select ${TRIAL_COLUMNS} from trials
        where case_id = ${q.caseId} and status <> 'pass' and started_at >= ${since.toISOString()}::timestamptz
          and run_id in (${sql.join(
            q.runs.map((r) => sql`${r.runId}`),
            sql`, `,
          )})
        order by started_at desc limit ${q.limit}`,
  );
  return rows.map((r) => ({ ...trialOf(r), runId: r.run_id }));
}
