import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { defaultBackend, type CronBackend } from "../cron/backend.ts";
import { nextSlot, type Schedule } from "../cron/next.ts";

/** A scheduled job handle. */
export interface ScheduledJob {
  stop(): void;
  /** Next fire time, or null when there is none. */
  nextRun(): Date | null;
}

/** Called at each slot with the scheduled instant (never "now"); not awaited, so it cannot hold the timer. */
export type SlotHandler = (slot: Date) => void | Promise<void>;

/** Fires a handler at each slot of a schedule. */
export interface Scheduler {
  readonly backend: CronBackend["name"];
  /** Fires `onSlot` for every slot strictly after `from` (default: now). */
  schedule(name: string, schedule: Schedule, onSlot: SlotHandler, from?: Date): ScheduledJob;
}

export interface SchedulerDeps {
  clock: Clock;
  log: Logger;
  backend?: CronBackend;
}

// Sleep in short steps and look at the clock again: a host that was suspended, or a clock that
// was stepped, is noticed within this long. Also keeps every timer below setTimeout's 24.8-day cap.
const MAX_SLEEP_MS = 30_000;
// An expression that cannot be computed (a bug, not bad input: input is validated) is retried this often.
const RETRY_MS = 60_000;

/**
 * One timer loop per job, driven by the injected clock. The next slot is computed from the
 * previous slot, not from when the handler finished, so a slow run never shifts the schedule.
 * When the clock jumps past several slots only the newest fires; the handler learns of the
 * others from the database (they are recorded as missed).
 */
export function createScheduler(deps: SchedulerDeps): Scheduler {
  const backend = deps.backend ?? defaultBackend();
  const { clock, log } = deps;
  return {
    backend: backend.name,
    schedule(name, schedule, onSlot, from) {
      const stop = new AbortController();
      let upcoming: number | null = null;
      const fire = (slot: number) => {
        try {
          Promise.resolve(onSlot(new Date(slot))).catch((e: Error) =>
            log.error({ job: name, slot: new Date(slot).toISOString(), err: e.message }, "slot handler failed"),
          );
        } catch (e) {
          log.error({ job: name, slot: new Date(slot).toISOString(), err: (e as Error).message }, "slot handler failed");
        }
      };
      // One step: wait for the next slot and fire it. Returns false when there is none.
      let after = (from ?? clock.now()).getTime();
      const step = async (): Promise<boolean> => {
        upcoming = nextSlot(backend, schedule, after);
        if (upcoming === null) return false;
        for (let wait = upcoming - clock.now().getTime(); wait > 0; wait = upcoming - clock.now().getTime()) {
          await clock.sleep(Math.min(wait, MAX_SLEEP_MS), stop.signal);
        }
        let slot = upcoming;
        const now = clock.now().getTime();
        for (let n = nextSlot(backend, schedule, slot); n !== null && n <= now; n = nextSlot(backend, schedule, n)) slot = n;
        after = slot;
        fire(slot);
        return true;
      };
      const loop = async () => {
        while (!stop.signal.aborted) {
          try {
            if (!(await step())) {
              log.warn({ job: name }, "schedule has no further slots");
              return;
            }
          } catch (e) {
            if (stop.signal.aborted) return;
            log.error({ job: name, err: (e as Error).message }, "scheduler step failed; retrying");
            await clock.sleep(RETRY_MS, stop.signal).catch(() => {});
          }
        }
      };
      void loop();
      return {
        stop: () => stop.abort(new Error("unscheduled")),
        nextRun: () => (upcoming === null || stop.signal.aborted ? null : new Date(upcoming)),
      };
    },
  };
}
