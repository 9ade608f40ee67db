import { index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum (see src/store/schema.ts); statuses are text checked in code.

const tz = { withTimezone: true } as const;

/**
 * One row per scheduled slot of a job, written insert-if-absent: the replica whose insert lands
 * owns the slot, so each slot runs at most once however many replicas fire it. Slots that were
 * skipped (overlap) or missed (downtime) are rows too, so every slot is accounted for.
 */
export const scheduleSlots = pgTable(
  "schedule_slots",
  {
    job: text("job").notNull(),
    /** The scheduled instant (never the time it actually fired). */
    slotAt: timestamp("slot_at", tz).notNull(),
    /** claimed (its run is going) | done | skipped | missed | aborted */
    status: text("status").notNull(),
    /** The replica that wrote the row (host:pid:boot). */
    replica: text("replica").notNull(),
    /** The run this slot started (claimed, done, aborted); its id is chosen before the claim. */
    runId: text("run_id"),
    claimedAt: timestamp("claimed_at", tz).notNull(),
    updatedAt: timestamp("updated_at", tz).notNull(),
    /** Why a slot was skipped, missed or aborted. */
    reason: text("reason"),
  },
  (t) => [primaryKey({ columns: [t.job, t.slotAt] }), index("schedule_slots_status_idx").on(t.status)],
);
