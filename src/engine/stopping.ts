// How a stopping run (abort, shutdown) bounds its last waits on the database, and keeps on disk
// the trials it could not store.
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { TrialRow } from "../store/trials.ts";
import type { BatchWriter } from "./batch-writer.ts";

/** Keeps trials the database could not take (a local file, stored later); returns where they went. */
export type Spill = (runId: string, rows: TrialRow[]) => Promise<string>;

/**
 * A signal that aborts `afterMs` after `signal` does, or `hurriedMs` after `hurry` does if that
 * comes first: how long a stopping run may still wait on the database before it keeps its trials
 * on disk and leaves its run row to the reaper. Time the writes have already been stalled counts
 * (`stalledSince`): a database down since before the shutdown gets no second wait, so the spill
 * happens before an orchestrator's kill (Kubernetes: 30 s after SIGTERM). `dispose` stops the timers.
 */
export function stoppingDeadline(
  signal: AbortSignal,
  hurry: AbortSignal | undefined,
  clock: Clock,
  afterMs: number,
  hurriedMs: number,
  stalledSince: () => Date | undefined,
) {
  const deadline = new AbortController();
  const done = new AbortController();
  const giveUp = () => deadline.abort(new Error("the run is stopping and the database did not answer in time"));
  const after = (ms: number) => () => {
    const since = stalledSince();
    const stalled = since ? clock.now().getTime() - since.getTime() : 0;
    clock.sleep(Math.max(0, ms - stalled), done.signal).then(giveUp, () => {});
  };
  const onAbort = after(afterMs);
  const onHurry = after(Math.min(afterMs, hurriedMs));
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true, signal: done.signal });
  if (hurry?.aborted) onHurry();
  else hurry?.addEventListener("abort", onHurry, { once: true, signal: done.signal });
  return { signal: deadline.signal, dispose: () => done.abort() };
}

/** `work`, or a rejection once `signal` aborts (a query queued behind a dead connection must not hold a stopping run). */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A run's last writes: waits for the database as long as the run is not stopping; once it is
 * (abort, shutdown), at most until `deadline`, then hands what is still unwritten to `spill` (the
 * process is stopping and would lose it). Returns how many trials went to disk.
 */
export async function flushOrSpill(
  writer: BatchWriter<TrialRow>,
  spill: Spill,
  runId: string,
  deadline: AbortSignal,
  log: Logger,
): Promise<number> {
  const flushed = writer.flush().then(() => true);
  const timedOut = new Promise<boolean>((resolve) => {
    if (deadline.aborted) resolve(false);
    deadline.addEventListener("abort", () => resolve(false), { once: true });
  });
  if (await Promise.race([flushed, timedOut])) return 0;
  flushed.catch(() => undefined); // abandoned below; its outcome no longer matters
  const rows = writer.abandon();
  if (rows.length === 0) return 0;
  const file = await spill(runId, rows);
  log.warn({ trials: rows.length, file }, "database unreachable at shutdown: trials kept on disk, stored when it is back");
  return rows.length;
}
