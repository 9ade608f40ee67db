import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase, startWorker, type Database } from "../../src/store/db.ts";
import type { RemotePglite } from "../../src/store/pglite-remote.ts";
import { migrate } from "../../src/store/migrate.ts";

/** The server under test when TEST_DATABASE_URL is set (CI sets it), else PGlite. */
export const serverUrl = process.env.TEST_DATABASE_URL;

let shared: Promise<RemotePglite> | undefined;

/**
 * One embedded database per test file (it takes seconds to start), on its own thread as in the
 * service; each test gets its own schema.
 */
function sharedPglite(): Promise<RemotePglite> {
  shared ??= startWorker();
  return shared;
}

export const uniqueSchema = (prefix = "t") => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

/**
 * A migrated database in a fresh schema: on the Postgres server when TEST_DATABASE_URL is set,
 * else in this file's shared PGlite. Schemas are left behind (inspect them after a failure).
 */
export async function testDatabase(opts: { schema?: string } = {}): Promise<Database & { schema: string }> {
  const schema = opts.schema ?? uniqueSchema();
  const database = serverUrl
    ? await openDatabase({ url: serverUrl, schema, maxConnections: 4 })
    : await openDatabase({ pglite: await sharedPglite(), schema });
  await migrate(database.db);
  return Object.assign(database, { schema });
}

/** A database that needs a real server (several replicas, outages): skipped without one. */
export async function serverDatabase(schema = uniqueSchema("s")): Promise<Database & { schema: string; url: string }> {
  if (!serverUrl) throw new Error("TEST_DATABASE_URL is not set");
  const database = await openDatabase({ url: serverUrl, schema, maxConnections: 4 });
  await migrate(database.db);
  return Object.assign(database, { schema, url: withSearchPath(serverUrl, schema) });
}

/** A URL whose connections work in `schema` (for child processes). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** Drops a schema on the server (only for tests that clean up after success). */
export async function dropSchema(schema: string): Promise<void> {
  if (!serverUrl) return;
  const sql = postgres(serverUrl, { onnotice: () => {} });
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.end();
}
