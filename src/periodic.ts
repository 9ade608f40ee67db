import type { Clock } from "./clock.ts";

/** A background loop with a lifecycle. */
export interface Worker {
  readonly name: string;
  stop(): Promise<void>;
}

/** A periodic worker whose single pass tests can also call directly. */
export type PeriodicWorker = Worker & { pass(): Promise<void> };

/**
 * Calls `pass` every `intervalMs` on the injected clock until stopped (first at once when
 * `immediately`). A function `intervalMs` is called after each pass for the wait before the next
 * (a loop that backs off after a failure). `pass` must catch and log its own failures: the loop
 * never dies of one.
 */
export function startPeriodic(
  name: string,
  clock: Clock,
  intervalMs: number | (() => number),
  pass: () => Promise<void>,
  opts: { immediately?: boolean } = {},
): PeriodicWorker {
  const stop = new AbortController();
  const loop = (async () => {
    if (opts.immediately) await pass();
    while (!stop.signal.aborted) {
      try {
        await clock.sleep(typeof intervalMs === "number" ? intervalMs : intervalMs(), stop.signal);
      } catch {
        return;
      }
      await pass();
    }
  })();
  return {
    name,
    pass,
    async stop() {
      stop.abort();
      await loop;
    },
  };
}
