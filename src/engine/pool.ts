/**
 * Runs `work` over `items` with at most `concurrency` in flight, pulling lazily so a large run
 * never materialises its work list. Stops pulling once `signal` aborts or `stop()` says so.
 */
export async function runPool<T>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
  opts: { signal?: AbortSignal; stop?: () => boolean } = {},
): Promise<void> {
  const it = items[Symbol.iterator]();
  const next = (): IteratorResult<T> => {
    if (opts.signal?.aborted || opts.stop?.()) return { done: true, value: undefined };
    return it.next();
  };
  const worker = async () => {
    for (let r = next(); !r.done; r = next()) await work(r.value);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, concurrency) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}
