/**
 * Capped exponential backoff with equal jitter, the one formula every retry uses: attempt n
 * (from 1) waits between half and all of min(maxMs, baseMs·2^(n−1)). The jitter keeps replicas
 * that failed together from retrying together.
 */
export function backoffMs(attempt: number, opts: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const d = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(d / 2 + (random() * d) / 2);
}

/** Through a database outage: 100–200 ms, doubling to at most 5 s. */
export const DB_OUTAGE = { baseMs: 200, maxMs: 5_000 } as const;
