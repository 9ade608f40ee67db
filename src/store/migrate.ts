import { readFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { queryRows } from "./db.ts";

const MIGRATIONS = new URL("../../migrations/", import.meta.url);

interface Journal {
  entries: { idx: number; tag: string }[];
}

/**
 * Applies the SQL migrations drizzle-kit generated into migrations/, in journal order, each once.
 * Runs in one transaction under a transaction-scoped advisory lock, so replicas starting together
 * apply them once; the bookkeeping table lives in the current schema, so each schema (each test)
 * migrates on its own.
 */
export async function migrate(db: Db): Promise<string[]> {
  const journal = JSON.parse(await readFile(new URL("meta/_journal.json", MIGRATIONS), "utf8")) as Journal;
  const tags = [...journal.entries].sort((a, b) => a.idx - b.idx).map((e) => e.tag);
  const files = await Promise.all(tags.map((t) => readFile(new URL(`${t}.sql`, MIGRATIONS), "utf8")));
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7420113)`);
    await tx.execute(
      sql`create table if not exists goldwatch_migrations (tag text primary key, applied_at timestamptz not null default now())`,
    );
    const done = new Set((await queryRows<{ tag: string }>(tx, sql`select tag from goldwatch_migrations`)).map((r) => r.tag));
    const applied: string[] = [];
    for (const [i, tag] of tags.entries()) {
      if (done.has(tag)) continue;
      for (const statement of files[i]!.split("--> statement-breakpoint")) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`insert into goldwatch_migrations (tag) values (${tag})`);
      applied.push(tag);
    }
    return applied;
  });
}
