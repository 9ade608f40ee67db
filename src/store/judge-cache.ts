import { eq, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { judgeVerdicts } from "./tables/judge.ts";

export type CachedVerdict = typeof judgeVerdicts.$inferSelect;
export type NewVerdict = typeof judgeVerdicts.$inferInsert;

/** The cached verdict for `key`, counting the hit in the same statement; undefined on a miss. */
export async function takeCachedVerdict(db: Db, key: string, at: Date): Promise<CachedVerdict | undefined> {
  const [row] = await db
    .update(judgeVerdicts)
    .set({ hits: sql`${judgeVerdicts.hits} + 1`, lastHitAt: at })
    .where(eq(judgeVerdicts.key, key))
    .returning();
  return row;
}

/** Stores a fresh verdict; a replica that judged the same thing first keeps its row. */
export async function storeVerdict(db: Db, verdict: NewVerdict): Promise<void> {
  await db.insert(judgeVerdicts).values(verdict).onConflictDoNothing();
}

/** How often the cache answered instead of the judge, over all time (for reports and tests). */
export async function verdictCacheStats(db: Db): Promise<{ verdicts: number; hits: number }> {
  const [row] = await db
    .select({ verdicts: sql<number>`count(*)::int`, hits: sql<number>`coalesce(sum(${judgeVerdicts.hits}), 0)::int` })
    .from(judgeVerdicts);
  return { verdicts: Number(row?.verdicts ?? 0), hits: Number(row?.hits ?? 0) };
}
