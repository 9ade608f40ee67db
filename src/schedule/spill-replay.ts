import type { Clock } from "../clock.ts";
import type { Redactor } from "../config/secrets.ts";
import type { Logger } from "../log.ts";
import { startPeriodic, type PeriodicWorker } from "../periodic.ts";
import type { Db } from "../store/db.ts";
import { describeDbError } from "../store/errors.ts";
import { replaySpilledTrials } from "../store/spill.ts";

const EVERY_MS = 60_000;

export interface SpillReplayDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  secrets: Redactor;
  /** The spill folder (`<data_dir>/spill`; read each pass, a reload may move it). */
  dir: () => string;
}

/**
 * Stores trials spilled to disk at an earlier shutdown (see spill.ts): at start, then every minute
 * until the folder is empty; a pass that finds the database down leaves the files for the next.
 */
export function startSpillReplay(deps: SpillReplayDeps): PeriodicWorker {
  const pass = async () => {
    try {
      const r = await replaySpilledTrials(deps.db, deps.dir());
      if (r.trials > 0) deps.log.info(r, "trials kept on disk at an earlier shutdown are stored");
    } catch (e) {
      deps.log.warn({ err: describeDbError(e, deps.secrets) }, "storing trials kept on disk failed; will retry");
    }
  };
  return startPeriodic("spill-replay", deps.clock, EVERY_MS, pass, { immediately: true });
}
