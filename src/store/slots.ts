import { and, asc, eq, max, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { queryRows } from "./db.ts";
import { scheduleSlots } from "./tables/slots.ts";

export type SlotRow = typeof scheduleSlots.$inferSelect;
export type SlotStatus = "claimed" | "done" | "skipped" | "missed" | "aborted";

/**
 * Claims a slot for this replica: insert-if-absent on (job, slot). True when this claim's row is
 * there (it must run the slot); false when any other claim or record got there first. Retrying
 * with the same `runId` is safe: a first attempt that landed unseen (an outage) still counts.
 */
export async function claimSlot(db: Db, claim: { job: string; slotAt: Date; replica: string; runId: string; at: Date }): Promise<boolean> {
  const rows = await db
    .insert(scheduleSlots)
    .values({
      job: claim.job,
      slotAt: claim.slotAt,
      status: "claimed",
      replica: claim.replica,
      runId: claim.runId,
      claimedAt: claim.at,
      updatedAt: claim.at,
    })
    .onConflictDoUpdate({
      target: [scheduleSlots.job, scheduleSlots.slotAt],
      set: { updatedAt: claim.at },
      setWhere: sql`${scheduleSlots.runId} = ${claim.runId} and ${scheduleSlots.status} = 'claimed'`,
    })
    .returning({ job: scheduleSlots.job });
  return rows.length === 1;
}

/**
 * Settles a claim this replica gave up on (its insert may have landed late, after an outage):
 * recorded as missed if it is still only claimed by that run id.
 */
export async function releaseClaim(db: Db, claim: { job: string; slotAt: Date; runId: string; at: Date; reason: string }): Promise<void> {
  await db
    .update(scheduleSlots)
    .set({ status: "missed", runId: null, updatedAt: claim.at, reason: claim.reason })
    .where(
      and(
        eq(scheduleSlots.job, claim.job),
        eq(scheduleSlots.slotAt, claim.slotAt),
        eq(scheduleSlots.runId, claim.runId),
        eq(scheduleSlots.status, "claimed"),
      ),
    );
}

/** Records slots that will not run (missed, skipped), insert-if-absent; returns the slots that were new. */
export async function recordSlots(
  db: Db,
  rows: { job: string; slotAt: Date; status: "missed" | "skipped"; replica: string; at: Date; reason: string }[],
): Promise<Date[]> {
  const inserted: Date[] = [];
  // Chunks keep each statement well under the bind-parameter limit.
  for (let i = 0; i < rows.length; i += 1_000) {
    const chunk = rows.slice(i, i + 1_000).map((r) => ({
      job: r.job,
      slotAt: r.slotAt,
      status: r.status,
      replica: r.replica,
      claimedAt: r.at,
      updatedAt: r.at,
      reason: r.reason,
    }));
    const done = await db.insert(scheduleSlots).values(chunk).onConflictDoNothing().returning({ slotAt: scheduleSlots.slotAt });
    inserted.push(...done.map((d) => new Date(d.slotAt)));
  }
  return inserted;
}

/** Settles a slot this replica claimed: done when its run ended, skipped when it overlapped. */
export async function settleSlot(
  db: Db,
  slot: { job: string; slotAt: Date; status: Exclude<SlotStatus, "claimed">; at: Date; reason?: string | null; clearRun?: boolean },
): Promise<void> {
  await db
    .update(scheduleSlots)
    .set({ status: slot.status, updatedAt: slot.at, reason: slot.reason ?? null, ...(slot.clearRun ? { runId: null } : {}) })
    .where(and(eq(scheduleSlots.job, slot.job), eq(scheduleSlots.slotAt, slot.slotAt), eq(scheduleSlots.status, "claimed")));
}

/** The newest slot any replica recorded for a job, or null for a job never scheduled. */
export async function lastSlot(db: Db, job: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: max(scheduleSlots.slotAt) })
    .from(scheduleSlots)
    .where(eq(scheduleSlots.job, job));
  const at = row?.at as Date | string | null | undefined;
  return at ? new Date(at) : null;
}

/**
 * True when a run of the job is going anywhere: a run row still heartbeating, or a slot claimed
 * moments ago whose run row is not written yet. `exceptRunId` is the caller's own run; claims by
 * `replica` are left to the caller, which knows its own runs (a claim of its own that landed
 * after it gave up on it is not a run going).
 */
export async function jobBusy(db: Db, job: string, opts: { staleBefore: Date; exceptRunId?: string; replica?: string }): Promise<boolean> {
  const except = opts.exceptRunId ?? "";
  const replica = opts.replica ?? "";
  const stale = opts.staleBefore.toISOString();
  const rows = await queryRows<{ busy: boolean }>(
    db,
    sql`select (
          exists (select 1 from runs where job = ${job} and status = 'running' and heartbeat_at >= ${stale}::timestamptz and id <> ${except})
          or exists (select 1 from schedule_slots s where s.job = ${job} and s.status = 'claimed'
                     and s.claimed_at >= ${stale}::timestamptz and s.run_id <> ${except} and s.replica <> ${replica}
                     and not exists (select 1 from runs r where r.id = s.run_id and r.status <> 'running'))
        ) as busy`,
  );
  return rows[0]?.busy === true;
}

/** A job's slots, oldest first (reports and tests). */
export async function listSlots(db: Db, job: string): Promise<SlotRow[]> {
  return db.select().from(scheduleSlots).where(eq(scheduleSlots.job, job)).orderBy(asc(scheduleSlots.slotAt));
}
