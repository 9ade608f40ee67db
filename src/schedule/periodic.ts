import type { Clock } from "../clock.ts";

/** A background loop with a lifecycle. */
export interface Worker {
  readonly name: string;
  stop(): Promise<void>;
}

/** A periodic worker whose single pass tests can also call directly. */
export type PeriodicWorker = Worker & { pass(): Promise<void> };

/**
 * Calls `pass` every `intervalMs` on the injected clock until stopped (first at once when
 * `immediately`). `pass` must catch and log its own failures: the loop never dies of one.
 */
export function startPeriodic(
  name: string,
  clock: Clock,
  intervalMs: number,
  pass: () => Promise<void>,
  opts: { immediately?: boolean } = {},
): PeriodicWorker {
  const stop = new AbortController();
  const loop = (async () => {
    if (opts.immediately) await pass();
    while (!stop.signal.aborted) {
      try {
        await clock.sleep(intervalMs, stop.signal);
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
