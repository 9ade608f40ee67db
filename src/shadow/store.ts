import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { samples, shadowPairVerdicts, shadowRuns } from "../store/tables/shadow.ts";

export type SampleRow = typeof samples.$inferSelect;
export type NewShadowRun = typeof shadowRuns.$inferInsert;
export type ShadowRunRow = typeof shadowRuns.$inferSelect;
export type NewPairVerdict = typeof shadowPairVerdicts.$inferInsert;

/** Stores a sample unless the agent already has the same input; says whether it was new. */
export async function insertSample(db: Db, row: typeof samples.$inferInsert): Promise<boolean> {
  const stored = await db.insert(samples).values(row).onConflictDoNothing().returning({ id: samples.id });
  return stored.length > 0;
}

/** The agent's `n` most recent samples, newest first. */
export async function recentSamples(db: Db, agent: string, n: number): Promise<SampleRow[]> {
  return db.select().from(samples).where(eq(samples.agent, agent)).orderBy(desc(samples.createdAt), desc(samples.id)).limit(n);
}

export async function insertShadowRun(db: Db, row: NewShadowRun): Promise<void> {
  await db.insert(shadowRuns).values(row);
}

/** Writes a run's outcome (summary columns, status, report). */
export async function finishShadowRun(db: Db, id: string, set: Partial<NewShadowRun>): Promise<void> {
  await db.update(shadowRuns).set(set).where(eq(shadowRuns.id, id));
}

/** Rows per insert: 21 columns × 1,000 stays well under Postgres's 65,535 parameters per statement. */
const PAIR_BATCH = 1_000;

export async function insertPairVerdicts(db: Db, rows: readonly NewPairVerdict[]): Promise<void> {
  for (let i = 0; i < rows.length; i += PAIR_BATCH) await db.insert(shadowPairVerdicts).values(rows.slice(i, i + PAIR_BATCH));
}

/** A job's completed runs since `since`, oldest first: the win rate over time. */
export async function shadowHistory(db: Db, job: string, since: Date): Promise<ShadowRunRow[]> {
  return db
    .select()
    .from(shadowRuns)
    .where(and(eq(shadowRuns.job, job), eq(shadowRuns.status, "completed"), sql`${shadowRuns.startedAt} >= ${since.toISOString()}`))
    .orderBy(shadowRuns.startedAt);
}
