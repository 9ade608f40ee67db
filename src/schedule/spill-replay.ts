import type { App } from "../app.ts";
import { spillDir } from "../app.ts";
import { startPeriodic, type PeriodicWorker } from "../periodic.ts";
import { describeDbError } from "../store/errors.ts";
import { replaySpilledTrials } from "../store/spill.ts";

const EVERY_MS = 60_000;

/**
 * Stores trials spilled to disk at an earlier shutdown (see spill.ts): at start, then every minute
 * until the folder is empty; a pass that finds the database down leaves the files for the next.
 */
export function startSpillReplay(app: App): PeriodicWorker {
  const pass = async () => {
    try {
      const r = await replaySpilledTrials(app.database.db, spillDir(app.loaded));
      if (r.trials > 0) app.log.info(r, "trials kept on disk at an earlier shutdown are stored");
    } catch (e) {
      app.log.warn({ err: describeDbError(e, app.loaded.secrets) }, "storing trials kept on disk failed; will retry");
    }
  };
  return startPeriodic("spill-replay", app.clock, EVERY_MS, pass, { immediately: true });
}
