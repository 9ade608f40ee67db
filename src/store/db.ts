import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { ExtractTablesWithRelations, SQL } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import { backoffMs, DB_OUTAGE } from "../backoff.ts";
import { copyToServer } from "./copy-postgres.ts";
import type { RemotePglite } from "./pglite-remote.ts";
import * as schema from "./schema.ts";

/**
 * The drizzle handle every store function takes first: PGlite or a Postgres server alike, or a
 * transaction on either (a `Tx` is a `Db`).
 */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** What `db.transaction(async (tx) => …)` hands its callback; pass it on wherever a `Db` goes. */
export type Tx = PgTransaction<PgQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

/** What the driver underneath can do beyond drizzle's SQL, set when the database is opened. */
export interface DriverCapabilities {
  kind: "pglite" | "postgres";
  /**
   * Loads `text`, rows in COPY's text format, into `table (columns)`: all or nothing. Throws when
   * the database refused them (nothing of them is stored then); never waits forever.
   */
  copy(table: string, columns: readonly string[], text: string): Promise<void>;
}

/** An open database and how to close it. */
export interface Database extends DriverCapabilities {
  db: Db;
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
  /** An already-open embedded database to share (tests share one per file). */
  pglite?: RemotePglite;
  /** Server connections in the pool. */
  maxConnections?: number;
}

/**
 * PGlite's own start parameters (@electric-sql/pglite 0.5) plus smaller buffers: the default
 * 128 MB of shared buffers would make the embedded database most of the service's memory.
 */
const PGLITE_START_PARAMS = [
  "--single",
  "-F",
  "-O",
  "-j",
  "-c",
  "search_path=public",
  "-c",
  "exit_on_error=false",
  "-c",
  "log_checkpoints=false",
  "-c",
  "max_worker_processes=0",
  "-c",
  "max_parallel_workers=0",
  "-c",
  "max_parallel_workers_per_gather=0",
  "-c",
  "io_method=sync",
  "-c",
  "max_parallel_maintenance_workers=0",
  "-c",
  "shared_buffers=16MB",
];

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid schema name ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** Capabilities by handle, for store functions that are handed only the `db` (see `capabilitiesOf`). */
const opened = new WeakMap<Db, DriverCapabilities>();

/**
 * The capabilities of the database `db` was opened on; undefined for a transaction, which gets
 * none (a COPY there would leave the transaction's session).
 */
export function capabilitiesOf(db: Db): DriverCapabilities | undefined {
  return opened.get(db);
}

/** Opens PGlite or a Postgres server and sets the schema to work in. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  const database = opts.url ? await openPostgres(opts.url, opts) : await openPglite(opts);
  opened.set(database.db, { kind: database.kind, copy: database.copy });
  return database;
}

const copyStatement = (table: string, columns: readonly string[]) => `copy ${ident(table)} (${columns.map(ident).join(", ")}) from`;

// Each driver is imported when a database of its kind is opened: the other one's modules (PGlite's
// WASM glue, postgres.js's sockets) would only add to every command's start.
async function openPostgres(url: string, opts: OpenOptions): Promise<Database> {
  const [{ default: postgres }, { drizzle: drizzlePostgres }] = await Promise.all([import("postgres"), import("drizzle-orm/postgres-js")]);
  const client = postgres(url, {
    max: opts.maxConnections ?? 10,
    onnotice: () => {},
    // A replica must survive a database outage: connect lazily and keep retrying per query.
    connect_timeout: 10,
    // No array-type query on each new connection: a round trip before its first statement, and
    // postgres.js does not await it, so a connection cut during it was an unhandled rejection.
    // The one text[] goldwatch reads is parsed by report/store.ts.
    fetch_types: false,
    ...(opts.schema ? { connection: { search_path: opts.schema } } : {}),
  });
  if (opts.schema) await client.unsafe(`CREATE SCHEMA IF NOT EXISTS ${ident(opts.schema)}`);
  const db: Db = drizzlePostgres(client, { schema });
  // Queries still going get 2 s: at shutdown every run has drained, and a query stuck on an
  // unreachable server would only hold the exit.
  const close = async () => {
    await client.end({ timeout: 2 });
  };
  return {
    db,
    kind: "postgres",
    copy: (table, columns, text) => copyToServer(client, `${copyStatement(table, columns)} stdin`, text),
    ping: async () => {
      await client`select 1`;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  const owned = !opts.pglite;
  if (opts.dataDir && owned) await mkdir(opts.dataDir, { recursive: true });
  // The embedded database runs on its own thread (see pglite-worker.js); tests share one per file.
  const [pg, { drizzle: drizzlePglite }] = await Promise.all([opts.pglite ?? startWorker(opts.dataDir), import("drizzle-orm/pglite")]);
  await pg.waitReady;
  if (opts.schema) {
    const setup = `CREATE SCHEMA IF NOT EXISTS ${ident(opts.schema)}; SET search_path TO ${ident(opts.schema)}`;
    await pg.setSession(setup);
  }
  // Not a PGlite, but drizzle's PGlite driver uses only query and transaction, which RemotePglite provides.
  const db: Db = drizzlePglite({ client: pg as unknown as PGlite, schema });
  const close = async () => {
    if (owned) await pg.close();
  };
  return {
    db,
    kind: "pglite",
    copy: (table, columns, text) => pg.copyFrom(`${copyStatement(table, columns)} '/dev/blob'`, text),
    ping: async () => {
      await pg.query("select 1");
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the embedded database's thread. A new data folder is created (initdb) by a thread of its
 * own first: initdb leaves hundreds of MB of WASM memory behind, which ending that thread returns.
 */
export async function startWorker(dataDir?: string): Promise<RemotePglite> {
  const { RemotePglite } = await import("./pglite-remote.ts");
  if (dataDir && !(await exists(path.join(dataDir, "PG_VERSION")))) {
    const init = new RemotePglite({ dataDir, startParams: PGLITE_START_PARAMS });
    await init.waitReady;
    await init.close();
  }
  const pg = new RemotePglite({ ...(dataDir ? { dataDir } : {}), startParams: PGLITE_START_PARAMS });
  await pg.waitReady;
  return pg;
}

/** Runs raw SQL and returns its rows, whichever driver is underneath. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const res = (await db.execute(query)) as unknown;
  if (Array.isArray(res)) return res as T[];
  return ((res as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * Retries a database operation through an outage with capped, jittered backoff (`DB_OUTAGE`), until it succeeds or `signal` aborts (then the last error is thrown). For writes that
 * must not be lost, such as a run's final row; the operation must be safe to repeat.
 */
export async function retrying<T>(
  op: () => Promise<T>,
  opts: {
    sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
    signal?: AbortSignal;
    onRetry?: (error: Error, attempt: number) => void;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      opts.onRetry?.(e as Error, attempt);
      try {
        await opts.sleep(backoffMs(attempt, DB_OUTAGE), opts.signal);
      } catch {
        throw e;
      }
    }
  }
}
