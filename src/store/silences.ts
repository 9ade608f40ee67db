import { randomBytes } from "node:crypto";
import { and, asc, eq, gt, lte } from "drizzle-orm";
import type { Matcher } from "../alerts/silence-matchers.ts";
import type { Db } from "./db.ts";
import { silences } from "./tables/alerts.ts";

/** A stored silence. */
export type SilenceRow = typeof silences.$inferSelect;

/** A silence as the CLI and the API create it. */
export interface NewSilence {
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  comment?: string;
  createdBy?: string;
}

/** Stores a silence and returns it with its id. */
export async function insertSilence(db: Db, s: NewSilence, now: Date): Promise<SilenceRow> {
  const id = `sil_${randomBytes(6).toString("hex")}`;
  const [row] = await db
    .insert(silences)
    .values({
      id,
      matchers: s.matchers,
      comment: s.comment ?? "",
      createdBy: s.createdBy ?? "",
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      createdAt: now,
    })
    .returning();
  return row!;
}

/** Silences in force at `now`. */
export async function activeSilences(db: Db, now: Date): Promise<SilenceRow[]> {
  return db
    .select()
    .from(silences)
    .where(and(lte(silences.startsAt, now), gt(silences.endsAt, now)))
    .orderBy(asc(silences.createdAt));
}

/** Every silence, or only those not yet ended. */
export async function listSilences(db: Db, opts: { now: Date; includeExpired?: boolean }): Promise<SilenceRow[]> {
  return db
    .select()
    .from(silences)
    .where(opts.includeExpired ? undefined : gt(silences.endsAt, opts.now))
    .orderBy(asc(silences.createdAt));
}

/** Ends a silence now; false when there is no such silence or it already ended. */
export async function expireSilence(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(silences)
    .set({ endsAt: now })
    .where(and(eq(silences.id, id), gt(silences.endsAt, now)))
    .returning({ id: silences.id });
  return rows.length > 0;
}
