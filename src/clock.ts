/** Time, behind an interface so tests can drive it. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** A signal that aborts once `ms` have passed on `clock`; `cancel` stops the wait. */
export function clockTimeout(clock: Clock, ms: number): { signal: AbortSignal; cancel(): void } {
  const timer = new AbortController();
  const fired = new AbortController();
  clock.sleep(ms, timer.signal).then(
    () => fired.abort(new Error(`no answer within ${ms} ms`)),
    () => {},
  );
  return { signal: fired.signal, cancel: () => timer.abort() };
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal!.reason);
      };
      const t = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
