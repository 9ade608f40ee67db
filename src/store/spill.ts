import { mkdir, open, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { storedCountsSet, storedTrialCounts } from "./runs.ts";
import { insertTrials, type TrialRow } from "./trials.ts";

/**
 * Trials that could not reach the database before the process stopped (it was unreachable at
 * shutdown) go to a file per run, `<dir>/<runId>.jsonl`, and are stored from there once it is
 * back. Appended and synced to disk before the process goes on.
 */
/** Where trials wait that could not be stored at shutdown: `<data_dir>/spill`, beside the config. */
export const spillDir = (loaded: { dir: string; config: { data_dir: string } }): string =>
  path.resolve(loaded.dir, loaded.config.data_dir, "spill");

export async function spillTrials(dir: string, runId: string, rows: TrialRow[]): Promise<string> {
  if (!/^[\w.:-]+$/.test(runId)) throw new Error(`cannot spill trials of run ${JSON.stringify(runId)}: not a file-safe id`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${runId}.jsonl`);
  const handle = await open(file, "a");
  try {
    await handle.writeFile(rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return file;
}

export interface ReplayResult {
  runs: string[];
  trials: number;
}

const BATCH = 500;

/**
 * Stores every spilled run's trials (idempotent: rows already stored are skipped), brings the run
 * row's counts up to date when the run has ended, and deletes the file. A file stays when the
 * database fails, for the next pass. A torn last line (a crash mid-write) is skipped.
 */
export async function replaySpilledTrials(db: Db, dir: string): Promise<ReplayResult> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".jsonl")).sort();
  const result: ReplayResult = { runs: [], trials: 0 };
  for (const name of files) {
    const file = path.join(dir, name);
    const rows = (await readFile(file, "utf8")).split("\n").flatMap((line): TrialRow[] => {
      try {
        const r = JSON.parse(line) as TrialRow & { startedAt: string };
        return [{ ...r, startedAt: new Date(r.startedAt) }];
      } catch {
        return [];
      }
    });
    for (let i = 0; i < rows.length; i += BATCH) await insertTrials(db, rows.slice(i, i + BATCH));
    const runId = name.slice(0, -".jsonl".length);
    await recountEndedRun(db, runId);
    await rm(file, { force: true });
    result.runs.push(runId);
    result.trials += rows.length;
  }
  return result;
}

/**
 * A run that ended (aborted at shutdown, or reaped) before all its trials were stored: its counts
 * and spend, recomputed from the trials it has now. A run still going keeps its own bookkeeping.
 */
async function recountEndedRun(db: Db, runId: string): Promise<void> {
  await db.execute(
    sql`update runs r set ${storedCountsSet} from (${storedTrialCounts(runId)}) t where r.id = ${runId} and r.status <> 'running'`,
  );
}
