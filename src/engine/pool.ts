/** Pool options: when to stop pulling, and when to wait before pulling more. */
export interface PoolOptions {
  /** Aborted: no new work starts. */
  signal?: AbortSignal;
  /** True: no new work starts (checked before each pull). */
  stop?: () => boolean;
  /**
   * True: wait for work in flight to finish before deciding whether to start more (checked again
   * after each finishes). Ignored when nothing is in flight, so the pool can never stall.
   */
  hold?: () => boolean;
}

/**
 * Runs `work` over `items` with at most `concurrency` in flight, pulling lazily so a large run
 * never materialises its work list. Stops pulling once `signal` aborts or `stop()` says so; waits
 * while `hold()` says so and something is still in flight.
 */
export async function runPool<T>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  opts: PoolOptions = {},
): Promise<void> {
  const it = items[Symbol.iterator]();
  let inFlight = 0;
  const parked: (() => void)[] = [];
  const stopped = () => opts.signal?.aborted === true || opts.stop?.() === true;
  const worker = async () => {
    for (;;) {
      while (opts.hold?.() && inFlight > 0 && !stopped()) await new Promise<void>((resume) => parked.push(resume));
      if (stopped()) return;
      const r = it.next();
      if (r.done) return;
      inFlight++;
      try {
        await work(r.value);
      } finally {
        inFlight--;
        // Whoever waited on hold() looks again now that this one finished.
        if (parked.length > 0) for (const resume of parked.splice(0)) resume();
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, concurrency) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
