import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { describeDbError } from "../store/errors.ts";
import { reapDeadRuns } from "../store/reaper.ts";
import { startPeriodic, type PeriodicWorker } from "../periodic.ts";
import type { RunTracker } from "./tracker.ts";

/**
 * Aborts runs left `running` by dead processes: once at start, then every half heartbeat
 * timeout, so a replica that dies is cleaned up by any survivor. Runs this process is running
 * are never touched. A failing pass (database down) is logged and tried again next time.
 */
export function startReaper(deps: { db: Db; clock: Clock; log: Logger; tracker: RunTracker; timeoutMs: number }): PeriodicWorker {
  const pass = async () => {
    const now = deps.clock.now();
    try {
      const reaped = await reapDeadRuns(deps.db, { now, staleBefore: new Date(now.getTime() - deps.timeoutMs), keep: deps.tracker.ids() });
      for (const run of reaped.runs)
        deps.log.warn({ runId: run.id, job: run.job, replica: run.replica }, "run aborted: its process stopped heartbeating");
      if (reaped.slots > 0) deps.log.info({ slots: reaped.slots }, "settled slots of dead runs");
    } catch (e) {
      deps.log.warn({ err: describeDbError(e) }, "reaping dead runs failed; will retry");
    }
  };
  return startPeriodic("reaper", deps.clock, Math.max(1_000, deps.timeoutMs / 2), pass, { immediately: true });
}
