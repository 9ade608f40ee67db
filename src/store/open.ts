import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Redactor } from "../config/secrets.ts";
import { openDatabase, type Database } from "./db.ts";
import type { Logger } from "../log.ts";
import { migrate } from "./migrate.ts";
import { maintainPartitions } from "./partitions.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite is one process's database: a second goldwatch on the same folder would corrupt it.
 * A pid file says who holds it; a stale one (dead pid) is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "goldwatch.pid");
  const holder = Number((await readFile(file, "utf8").catch(() => "")).trim());
  if (holder && holder !== process.pid && alive(holder)) {
    throw new Error(
      `the embedded database in ${dir} is in use by another goldwatch process (pid ${holder}); stop it, or set DATABASE_URL to share a Postgres server`,
    );
  }
  await writeFile(file, String(process.pid));
  return () => rm(file, { force: true });
}

/** Opens the configured database (server via `database`, else embedded under data_dir) and migrates it. */
/** What opening the store reads of the loaded config. */
export interface StoreSettings {
  /** The config file's folder: `data_dir` is relative to it. */
  dir: string;
  config: { database?: string | undefined; data_dir: string; retention: { trials: number } };
  secrets: Redactor;
}

export async function openStore(loaded: StoreSettings): Promise<Database> {
  const url = loaded.config.database;
  if (url) {
    const database = await openDatabase({ url });
    try {
      await migrate(database.db);
    } catch (e) {
      await database.close();
      throw new Error(`cannot migrate the database at DATABASE_URL: ${loaded.secrets.redact((e as Error).message)}`, { cause: e });
    }
    return database;
  }
  const dataDir = path.resolve(loaded.dir, loaded.config.data_dir, "pgdata");
  const unlock = await lockDataDir(path.dirname(dataDir));
  const database = await openDatabase({ dataDir });
  await migrate(database.db);
  const close = async () => {
    await database.close();
    await unlock();
  };
  return { ...database, close, [Symbol.asyncDispose]: close };
}

/**
 * Makes sure this month's trial partition exists (and applies retention) before a one-off run
 * (`goldwatch run`, `gate`), so its trials land in their month rather than the default partition;
 * the service does the same at start and daily. A failure is only worth a warning: the trials
 * still land in the default partition, and the service moves them later.
 */
export async function preparePartitions(database: Database, loaded: StoreSettings, log: Logger, now: Date = new Date()): Promise<void> {
  try {
    await maintainPartitions(database.db, now, { retentionMs: loaded.config.retention.trials });
  } catch (e) {
    log.warn({ err: loaded.secrets.redact((e as Error).message) }, "creating trial partitions failed; trials go to the default partition");
  }
}
