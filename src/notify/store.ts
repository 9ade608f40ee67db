// Delivery's database side: claiming and settling outbox rows, pruning them, and where a group's
// Slack message lives. Rows are queued by alert decisions (enqueueOutbox in src/alerts/store.ts).
import { alias } from "drizzle-orm/pg-core";
import { and, asc, count, eq, inArray, isNull, lt, lte, min, notExists, or, sql } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { alertGroups, alertOutbox } from "../store/tables/alerts.ts";

/** A stored outbox row. */
export type OutboxRow = typeof alertOutbox.$inferSelect;

/**
 * Leases up to `limit` due rows to `replica` in one short statement: `FOR UPDATE SKIP LOCKED` so
 * replicas claiming at the same moment take different rows, and a lease (`claimed_until`) so a row
 * stays with its replica while it sends outside any transaction. A row waits while an earlier row
 * of the same group and channel is still pending, so each channel sees a group's messages in order
 * (the firing post before its reminders and its resolution).
 */
export async function claimOutbox(
  db: Db,
  opts: { replica: string; now: Date; leaseMs: number; limit: number; channels: string[] },
): Promise<OutboxRow[]> {
  if (opts.channels.length === 0) return [];
  const earlier = alias(alertOutbox, "earlier");
  const due = db
    .select({ id: alertOutbox.id })
    .from(alertOutbox)
    .where(
      and(
        eq(alertOutbox.status, "pending"),
        lte(alertOutbox.nextAttemptAt, opts.now),
        or(isNull(alertOutbox.claimedUntil), lt(alertOutbox.claimedUntil, opts.now)),
        inArray(alertOutbox.channel, opts.channels),
        notExists(
          db
            .select({ one: sql`1` })
            .from(earlier)
            .where(
              and(
                eq(earlier.groupKey, alertOutbox.groupKey),
                eq(earlier.channel, alertOutbox.channel),
                eq(earlier.status, "pending"),
                lt(earlier.id, alertOutbox.id),
              ),
            ),
        ),
      ),
    )
    .orderBy(asc(alertOutbox.id))
    .limit(opts.limit)
    .for("update", { skipLocked: true });
  const rows = await db
    .update(alertOutbox)
    .set({
      claimedBy: opts.replica,
      claimedUntil: new Date(opts.now.getTime() + opts.leaseMs),
      attempts: sql`${alertOutbox.attempts} + 1`,
    })
    .where(inArray(alertOutbox.id, due))
    .returning();
  return rows.sort((a, b) => a.id - b.id);
}

/** Only the replica holding the lease may settle a row. */
const held = (id: number, replica: string) =>
  and(eq(alertOutbox.id, id), eq(alertOutbox.claimedBy, replica), eq(alertOutbox.status, "pending"));

/** Marks a claimed row delivered; false when the lease was lost to another replica meanwhile. */
export async function markOutboxSent(db: Db, id: number, replica: string, at: Date, ref: string | null): Promise<boolean> {
  const rows = await db
    .update(alertOutbox)
    .set({ status: "sent", sentAt: at, ref, claimedBy: null, claimedUntil: null, lastError: null })
    .where(held(id, replica))
    .returning({ id: alertOutbox.id });
  return rows.length > 0;
}

/** Releases a claimed row for another attempt at `at`. */
export async function rescheduleOutbox(db: Db, id: number, replica: string, at: Date, error: string): Promise<boolean> {
  const rows = await db
    .update(alertOutbox)
    .set({ nextAttemptAt: at, lastError: error, claimedBy: null, claimedUntil: null })
    .where(held(id, replica))
    .returning({ id: alertOutbox.id });
  return rows.length > 0;
}

/** Gives up on a row (a permanent error, or too old); it stays in the table for people to see. */
export async function markOutboxFailed(db: Db, id: number, replica: string, error: string): Promise<boolean> {
  const rows = await db
    .update(alertOutbox)
    .set({ status: "failed", lastError: error, claimedBy: null, claimedUntil: null })
    .where(held(id, replica))
    .returning({ id: alertOutbox.id });
  return rows.length > 0;
}

/** How many rows of these channels are pending, and when the earliest becomes due. */
export async function pendingOutbox(db: Db, channels: string[]): Promise<{ count: number; nextAt: Date | null }> {
  if (channels.length === 0) return { count: 0, nextAt: null };
  const [row] = await db
    .select({ at: min(alertOutbox.nextAttemptAt), count: count() })
    .from(alertOutbox)
    .where(and(eq(alertOutbox.status, "pending"), inArray(alertOutbox.channel, channels)));
  return { count: Number(row?.count ?? 0), nextAt: row?.at ? new Date(row.at) : null };
}

/** Pending notifications per channel with the age of the oldest, for /metrics (all channels, any due time). */
export async function outboxBacklog(db: Db, now: Date): Promise<{ channel: string; pending: number; oldestSeconds: number }[]> {
  const rows = await db
    .select({ channel: alertOutbox.channel, pending: count(), oldest: min(alertOutbox.createdAt) })
    .from(alertOutbox)
    .where(eq(alertOutbox.status, "pending"))
    .groupBy(alertOutbox.channel);
  return rows.map((r) => ({
    channel: r.channel,
    pending: Number(r.pending),
    oldestSeconds: r.oldest ? Math.max(0, (now.getTime() - new Date(r.oldest).getTime()) / 1000) : 0,
  }));
}

/**
 * Deletes notifications that are done with (sent, or failed for good) and older than `before`,
 * so the outbox does not grow for as long as the service runs. Pending rows are never touched.
 * Returns how many rows went.
 */
export async function pruneOutbox(db: Db, before: Date): Promise<number> {
  const deleted = await db
    .delete(alertOutbox)
    .where(and(inArray(alertOutbox.status, ["sent", "failed"]), lt(alertOutbox.createdAt, before)))
    .returning({ id: alertOutbox.id });
  return deleted.length;
}

/** Where a group's Slack message lives, once posted. */
export async function getSlackRef(db: Db, groupKey: string): Promise<{ channel: string; ts: string } | undefined> {
  const [row] = await db
    .select({ channel: alertGroups.slackChannel, ts: alertGroups.slackTs })
    .from(alertGroups)
    .where(eq(alertGroups.groupKey, groupKey));
  return row?.channel && row.ts ? { channel: row.channel, ts: row.ts } : undefined;
}

/** Records the group's Slack message (and on its alerts, for people reading the table). */
export async function setSlackRef(db: Db, groupKey: string, ref: { channel: string; ts: string }): Promise<void> {
  await db.update(alertGroups).set({ slackChannel: ref.channel, slackTs: ref.ts }).where(eq(alertGroups.groupKey, groupKey));
}
