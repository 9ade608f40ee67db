import { sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { queryRows } from "./db.ts";
import { storedCountsSet, storedTrialCounts } from "./runs.ts";

/** What one pass of the reaper changed. */
export interface Reaped {
  /** Runs marked aborted: left `running` by a process that stopped heartbeating. */
  runs: { id: string; job: string; replica: string }[];
  /** Claimed slots settled: aborted (run dead or never started) or done (run finished, settle lost). */
  slots: number;
}

const keepClause = (column: string, keep: readonly string[]) =>
  keep.length === 0
    ? sql`true`
    : sql`${sql.raw(column)} not in (${sql.join(
        keep.map((k) => sql`${k}`),
        sql`, `,
      )})`;

/**
 * Marks runs whose process died (no heartbeat since `staleBefore`) as aborted, with the counts
 * and spend of the trials they stored (the trials stay); then settles the slots such runs held.
 * `keep` are runs this process is running itself: never reaped, whatever their heartbeat says
 * (a database outage can hold heartbeats back).
 */
export async function reapDeadRuns(db: Db, opts: { staleBefore: Date; now: Date; keep?: readonly string[] }): Promise<Reaped> {
  const keep = opts.keep ?? [];
  const stale = opts.staleBefore.toISOString();
  const now = opts.now.toISOString();
  const runs = await queryRows<{ id: string; job: string; replica: string }>(
    db,
    sql`update runs r set
          status = 'aborted',
          finished_at = ${now}::timestamptz,
          error = 'aborted: the process running it stopped (no heartbeat since ' || to_char(r.heartbeat_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ')',
          ${storedCountsSet}
        from (
          select x.id, c.*
          from runs x cross join lateral (${storedTrialCounts(sql`x.id`)}) c
          where x.status = 'running' and x.heartbeat_at < ${stale}::timestamptz and ${keepClause("x.id", keep)}
        ) t
        where r.id = t.id and r.status = 'running'
        returning r.id, r.job, r.replica`,
  );
  const slots = await queryRows<{ job: string }>(
    db,
    sql`update schedule_slots s set
          status = case when r.id is null or r.status = 'aborted' then 'aborted' else 'done' end,
          reason = case when r.id is null then 'aborted: claimed, but its run never began (the replica stopped, or the claim landed after an outage)'
                        when r.status = 'aborted' then r.error else s.reason end,
          updated_at = ${now}::timestamptz
        from schedule_slots s2 left join runs r on r.id = s2.run_id
        where s.job = s2.job and s.slot_at = s2.slot_at
          and s.status = 'claimed' and s.claimed_at < ${stale}::timestamptz
          and (r.id is null or r.status <> 'running') and ${keepClause("coalesce(s.run_id, '')", keep)}
        returning s.job`,
  );
  return { runs, slots: slots.length };
}
