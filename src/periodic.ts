import type { Clock } from "./clock.ts";

/** A background loop with a lifecycle. */
export interface Worker {
  readonly name: string;
  stop(): Promise<void>;
}

/** A periodic worker whose single pass tests can also call directly. */
export type PeriodicWorker = Worker & {
  pass(): Promise<void | number>;
  /** Runs the next pass now instead of after the rest (at once when resting, else right after the pass in flight). */
  wake(): void;
};

/**
 * Calls `pass` every `intervalMs` on the injected clock until stopped (first at once when
 * `immediately`). A pass may return how long to rest before the next one instead (0: at once;
 * a backoff after a failure). `pass` must catch and log its own failures: the loop never dies of one.
 */
export function startPeriodic(
  name: string,
  clock: Clock,
  intervalMs: number,
  pass: () => Promise<void | number>,
  opts: { immediately?: boolean } = {},
): PeriodicWorker {
  const stop = new AbortController();
  let wakeup = new AbortController();
  let woken = false;
  /** Rests `ms`, or less when woken or stopped; a wake during a pass skips the next rest. */
  const rest = async (ms: number) => {
    if (woken) {
      woken = false;
      return;
    }
    wakeup = new AbortController();
    await clock.sleep(ms, AbortSignal.any([wakeup.signal, stop.signal])).catch(() => {});
    woken = false;
  };
  const loop = (async () => {
    let next = opts.immediately ? await pass() : undefined;
    while (!stop.signal.aborted) {
      if (typeof next !== "number") await rest(intervalMs);
      else if (next > 0) await rest(next);
      if (stop.signal.aborted) return;
      next = await pass();
    }
  })();
  return {
    name,
    pass,
    wake() {
      woken = true;
      wakeup.abort();
    },
    async stop() {
      stop.abort();
      await loop;
    },
  };
}
