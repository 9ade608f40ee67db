import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema.ts";

/** The drizzle handle every store function takes first: PGlite or a Postgres server alike. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** An open database and how to close it. */
export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface OpenOptions {
  /** postgres:// URL; empty or absent: embedded PGlite in `dataDir`. */
  url?: string;
  /** Folder of the embedded database; absent with no URL: in memory. */
  dataDir?: string;
  /** Schema to work in (created when missing); tests give each test its own. */
  schema?: string;
  /** An already-open PGlite instance to share (tests share one per file). */
  pglite?: PGlite;
  /** Server connections in the pool. */
  maxConnections?: number;
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** Opens PGlite or a Postgres server and sets the schema to work in. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  if (opts.url) {
    const client = postgres(opts.url, {
      max: opts.maxConnections ?? 10,
      onnotice: () => {},
      // A replica must survive a database outage: connect lazily and keep retrying per query.
      connect_timeout: 10,
      ...(opts.schema ? { connection: { search_path: opts.schema } } : {}),
    });
    if (opts.schema) await client.unsafe(`CREATE SCHEMA IF NOT EXISTS ${ident(opts.schema)}`);
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    const close = async () => {
      await client.end({ timeout: 5 });
    };
    return {
      db,
      kind: "postgres",
      ping: async () => {
        await client`select 1`;
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  }
  const owned = !opts.pglite;
  if (opts.dataDir && owned) await mkdir(opts.dataDir, { recursive: true });
  const pg = opts.pglite ?? (opts.dataDir ? new PGlite(opts.dataDir) : new PGlite());
  await pg.waitReady;
  if (opts.schema) {
    await pg.exec(`CREATE SCHEMA IF NOT EXISTS ${ident(opts.schema)}; SET search_path TO ${ident(opts.schema)}`);
  }
  const db = drizzlePglite(pg, { schema }) as unknown as Db;
  const close = async () => {
    if (owned) await pg.close();
  };
  return {
    db,
    kind: "pglite",
    ping: async () => {
      await pg.query("select 1");
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Runs raw SQL and returns its rows, whichever driver is underneath. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown;
  if (Array.isArray(res)) return res as T[];
  return ((res as { rows?: T[] }).rows ?? []) as T[];
}
