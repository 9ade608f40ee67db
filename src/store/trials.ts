import type { Db } from "./db.ts";
import { trials } from "./schema.ts";

export type TrialRow = typeof trials.$inferInsert;

/** Inserts a batch of trials; a retried batch does not duplicate rows. */
export async function insertTrials(db: Db, rows: TrialRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insert(trials).values(rows).onConflictDoNothing();
}
