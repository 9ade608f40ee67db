import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db } from "./db.ts";
import { queryRows } from "./db.ts";
import { runs } from "./schema.ts";

export type RunRow = typeof runs.$inferSelect;
export type NewRun = typeof runs.$inferInsert;
/** `runaway`: stopped early because its first trials all hit a budget bound or looped (src/engine/budget.ts RunawayWatch). */
export type RunStatus = "running" | "completed" | "failed" | "aborted" | "budget_exhausted" | "runaway";

/**
 * A run's counts and spend from the trials it has stored, as one row (`runId`: a value, or a
 * column such as sql`x.id` in a lateral join). For runs that ended without their own bookkeeping:
 * reaped, or given trials later from a spill file. `storedCountsSet` writes them from alias `t`.
 */
export const storedTrialCounts = (runId: SQL | string): SQL => sql`
  select count(*)::int as trials,
    count(*) filter (where status in ('pass', 'fail', 'budget_exceeded'))::int as scored,
    count(*) filter (where status = 'pass')::int as passed,
    count(*) filter (where status = 'error')::int as errored,
    count(*) filter (where status = 'budget_exceeded')::int as budget_exceeded,
    count(*) filter (where status = 'judge_error')::int as judge_errors,
    coalesce(sum(input_tokens), 0)::bigint as input_tokens,
    coalesce(sum(output_tokens), 0)::bigint as output_tokens,
    coalesce(sum(cost_usd), 0)::float8 as cost_usd
  from trials where run_id = ${runId}`;

export const storedCountsSet: SQL = sql`trials = t.trials, scored = t.scored, passed = t.passed, errored = t.errored,
  budget_exceeded = t.budget_exceeded, judge_errors = t.judge_errors,
  input_tokens = t.input_tokens, output_tokens = t.output_tokens, cost_usd = t.cost_usd`;

/** Inserts a run in state `running`; idempotent, so a write retried through an outage is safe. */
export async function insertRun(db: Db, run: NewRun): Promise<void> {
  await db.insert(runs).values(run).onConflictDoNothing();
}

/** Proves the run's process is alive; a run without heartbeats is reaped as aborted. */
export async function heartbeatRun(db: Db, id: string, at: Date): Promise<void> {
  await db
    .update(runs)
    .set({ heartbeatAt: at })
    .where(and(eq(runs.id, id), eq(runs.status, "running")));
}

/** Writes a run's final status and aggregates. */
export async function finishRun(db: Db, id: string, values: Partial<NewRun> & { status: RunStatus }): Promise<void> {
  await db.update(runs).set(values).where(eq(runs.id, id));
}

export async function getRun(db: Db, id: string): Promise<RunRow | undefined> {
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row;
}

/** Per-case counts of a run's stored trials. */
export interface CaseCounts {
  id: string;
  trials: number;
  /** Trials that count towards accuracy (pass, fail, budget_exceeded). */
  scored: number;
  passes: number;
  errors: number;
  budgetExceeded: number;
  judgeErrors: number;
  /**
   * Trials that ran away: a budget bound hit by a reply that arrived, or a loop (same tool call
   * repeated). Always set by aggregateTrials; optional for counts built elsewhere (seeded runs).
   */
  runaway?: number;
  /**
   * The runaway trials by why: the bound (`tokens`, `usd`, `steps`, `ttl`) for budget hits, `loop`
   * for trials that looped within their budget. Sums to `runaway`.
   */
  runawayBy?: Record<string, number>;
}

/**
 * Aggregates of a run's trials. The engine tallies them as trials finish (engine/tally.ts);
 * `aggregateTrials` computes the same from the stored trials, for a run whose trials were not all
 * stored when it ended.
 */
export interface TrialAggregates {
  cases: CaseCounts[];
  p50Ms: number | null;
  p95Ms: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Most frequent model and fingerprint reported by the agent. */
  model: string | null;
  fingerprint: string | null;
}

export async function aggregateTrials(db: Db, runId: string): Promise<TrialAggregates> {
  // Counts by case and, for runaway trials, why: the bound named in the error (describeTrip
  // writes "(budget.trial.<bound>)"), or a loop assertion on a trial that stayed within its
  // budget. One scan for both: a separate scan for the reasons was ~0.15 s per 40k trials on the
  // embedded database (a third of the run's finishing time). The totals below do not wait for
  // it: on a server they run on another pooled connection (0.1–0.2 s less per 100k trials).
  const grouping = queryRows<Record<string, unknown>>(
    db,
    sql`select case_id as id, reason,
          count(*)::int as trials,
          count(*) filter (where status in ('pass','fail','budget_exceeded'))::int as scored,
          count(*) filter (where status = 'pass')::int as passes,
          count(*) filter (where status = 'error')::int as errors,
          count(*) filter (where status = 'budget_exceeded')::int as budget_exceeded,
          count(*) filter (where status = 'judge_error')::int as judge_errors
        from (
          select case_id, status, case
              when status = 'budget_exceeded' then coalesce(substring(error_message from '[(]budget[.]trial[.]([a-z]+)[)]'), 'budget')
              when coalesce(assertions @> '[{"kind":"loop"}]'::jsonb, false) then 'loop' end as reason
          from trials where run_id = ${runId}
        ) t group by case_id, reason order by case_id`,
  );
  const totalling = queryRows<Record<string, unknown>>(
    db,
    // Latency and model over trials that got a reply (a timeout is not a latency); spend over all
    // of them, since a reply that failed after using tokens was still paid for. A tie in mode()
    // goes to the value that sorts first, in byte order whatever the database's collation, as
    // the engine's tally does.
    sql`select percentile_cont(0.5) within group (order by latency_ms) filter (where status <> 'error') as p50,
          percentile_cont(0.95) within group (order by latency_ms) filter (where status <> 'error') as p95,
          coalesce(sum(input_tokens), 0)::bigint as input_tokens,
          coalesce(sum(output_tokens), 0)::bigint as output_tokens,
          coalesce(sum(cost_usd), 0)::float8 as cost_usd,
          mode() within group (order by model collate "C") filter (where status <> 'error') as model,
          mode() within group (order by fingerprint collate "C") filter (where status <> 'error') as fingerprint
        from trials where run_id = ${runId}`,
  );
  const [groups, [totals]] = await Promise.all([grouping, totalling]);
  const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
  const nn = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const byCase = new Map<string, CaseCounts & { runaway: number; runawayBy: Record<string, number> }>();
  for (const g of groups) {
    const id = String(g.id);
    let c = byCase.get(id);
    if (!c) {
      c = { id, trials: 0, scored: 0, passes: 0, errors: 0, budgetExceeded: 0, judgeErrors: 0, runaway: 0, runawayBy: {} };
      byCase.set(id, c);
    }
    c.trials += n(g.trials);
    c.scored += n(g.scored);
    c.passes += n(g.passes);
    c.errors += n(g.errors);
    c.budgetExceeded += n(g.budget_exceeded);
    c.judgeErrors += n(g.judge_errors);
    if (g.reason !== null && g.reason !== undefined) {
      c.runawayBy[String(g.reason)] = n(g.trials);
      c.runaway += n(g.trials);
    }
  }
  return {
    cases: [...byCase.values()],
    p50Ms: nn(totals?.p50),
    p95Ms: nn(totals?.p95),
    inputTokens: n(totals?.input_tokens),
    outputTokens: n(totals?.output_tokens),
    costUsd: n(totals?.cost_usd),
    model: (totals?.model as string | null) ?? null,
    fingerprint: (totals?.fingerprint as string | null) ?? null,
  };
}

/**
 * Cost (agent and judge) and trial count of the newest `limit` completed runs of a job's agent,
 * newest first (gate runs excluded): the baseline a default run budget is derived from.
 */
export async function recentRunCosts(
  db: Db,
  q: { job: string; agent: string; limit?: number },
): Promise<{ costUsd: number; trials: number }[]> {
  const rows = await queryRows<{ cost: unknown; trials: unknown }>(
    db,
    sql`select cost_usd + judge_cost_usd as cost, trials from runs
        where job = ${q.job} and agent = ${q.agent} and status = 'completed' and trigger <> 'gate'
        order by started_at desc limit ${q.limit ?? 20}`,
  );
  return rows.map((r) => ({ costUsd: Number(r.cost), trials: Number(r.trials) }));
}
