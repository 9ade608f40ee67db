import { backoffMs, DB_OUTAGE } from "../backoff.ts";
import { clockTimer, type Clock } from "../clock.ts";

export interface BatchWriterOptions<T> {
  write(rows: T[]): Promise<void>;
  clock: Clock;
  /** Rows per write. */
  maxRows?: number;
  /** How long a partial batch may wait before it is written (on `clock`). */
  maxDelayMs?: number;
  /** Batches written at once: 1 for a single-session database, more for a server's pool. */
  parallel?: number;
  /** Called when a write of `rows` rows fails; the batch is kept and retried with capped, jittered backoff. */
  onRetry?(error: Error, attempt: number, rows: number): void;
  /** Errors worth retrying without limit (database unreachable); others get `maxAttempts`. */
  isTransient?(error: unknown): boolean;
  maxAttempts?: number;
  /**
   * The producer is stopping (a run's abort): `push` no longer waits for room, so a producer is
   * never held by a write that retries through an outage. Its rows stay queued, for `flush` or
   * `abandon`.
   */
  signal?: AbortSignal;
}

/**
 * Buffers rows and writes them in batches while producers go on. `push` waits while every writer
 * is busy and one more batch is queued (backpressure), so memory stays bounded however large the
 * run. A failed write (database down) is retried until it succeeds: a completed trial is never
 * dropped. Batches may be written in any order; rows carry their own keys.
 */
export class BatchWriter<T> {
  readonly #opts: Required<Omit<BatchWriterOptions<T>, "onRetry" | "signal">> & Pick<BatchWriterOptions<T>, "onRetry" | "signal">;
  #failure: Error | undefined;
  #buffer: T[] = [];
  #queue: T[][] = [];
  /** Batches being written (or retried) right now. */
  #writing = new Set<T[]>();
  #abandoned = false;
  #active = 0;
  #idle: Array<() => void> = [];
  /** Cancels the pending cut of a partial batch. */
  #cancelTimer: (() => void) | undefined;
  #written = 0;
  #stalledSince: Date | undefined;

  constructor(opts: BatchWriterOptions<T>) {
    this.#opts = {
      maxRows: 500,
      maxDelayMs: 250,
      isTransient: () => true,
      maxAttempts: 5,
      ...opts,
      parallel: Math.max(1, opts.parallel ?? 1),
    };
  }

  /** Rows written so far. */
  get written(): number {
    return this.#written;
  }

  /**
   * Since when rows have been waiting without any write succeeding (the database is down or
   * hangs); undefined while writes go through or nothing waits. A stopping run that finds the
   * database gone this long keeps its rows elsewhere at once instead of waiting again.
   */
  get stalledSince(): Date | undefined {
    return this.#stalledSince;
  }

  async push(row: T): Promise<void> {
    await this.offer(row);
  }

  /**
   * `push` without a promise for a row that fits (nearly every one): undefined, else the promise
   * to await (room for more, or the failure). Saves the engine a promise and a turn per trial.
   */
  offer(row: T): Promise<void> | undefined {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#buffer.push(row);
    if (this.#buffer.length >= this.#opts.maxRows) return this.#makeRoom();
    // clockTimer, not a sleep aborted through a controller: abort() builds an AbortError with its
    // stack each time, 1.3% of the engine's main thread at one cut per 500 trials.
    if (!this.#cancelTimer) {
      const cancel = clockTimer(this.#opts.clock, this.#opts.maxDelayMs, () => {
        // Only this timer's own cut: one a clock wakes after it was cancelled must not cut a later batch early.
        if (this.#cancelTimer === cancel) this.#cut();
      });
      this.#cancelTimer = cancel;
    }
    return undefined;
  }

  /** Cuts the full buffer into a batch and waits while every writer is busy and a batch queues. */
  async #makeRoom(): Promise<void> {
    this.#cut();
    const stopping = this.#opts.signal;
    while (this.#queue.length > 0 && !this.#failure && !stopping?.aborted) await this.#settled(stopping);
  }

  /** Writes everything buffered and waits for all writes; throws when a batch could not be written. */
  async flush(): Promise<void> {
    this.#cut();
    while (this.#active > 0 || this.#queue.length > 0) await this.#settled();
    if (this.#failure) throw this.#failure;
  }

  /**
   * Gives up on the database (shutting down while it is unreachable): stops retrying and returns
   * every row not known to be written, for the caller to keep elsewhere. A batch whose write was
   * under way may also have been stored; storing it again must be idempotent.
   */
  abandon(): T[] {
    this.#stopTimer();
    this.#abandoned = true;
    const rows = [...this.#writing, ...this.#queue, this.#buffer].flat();
    this.#queue = [];
    this.#buffer = [];
    this.#failure ??= new Error("storing trials was abandoned");
    return rows;
  }

  /** Resolves when some write settles (or `signal` aborts). */
  #settled(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (!signal) return void this.#idle.push(resolve);
      const wake = () => {
        signal.removeEventListener("abort", wake);
        resolve();
      };
      signal.addEventListener("abort", wake, { once: true });
      this.#idle.push(wake);
    });
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  #cut(): void {
    this.#stopTimer();
    if (this.#buffer.length === 0) return;
    this.#queue.push(this.#buffer);
    this.#buffer = [];
    this.#stalledSince ??= this.#opts.clock.now();
    this.#pump();
  }

  #pump(): void {
    while (!this.#abandoned && this.#active < this.#opts.parallel && this.#queue.length > 0) {
      const batch = this.#queue.shift()!;
      this.#active++;
      void this.#writeWithRetry(batch).finally(() => {
        this.#active--;
        this.#pump();
        for (const wake of this.#idle.splice(0)) wake();
      });
    }
  }

  async #writeWithRetry(batch: T[]): Promise<void> {
    this.#writing.add(batch);
    try {
      await this.#retry(batch);
    } finally {
      this.#writing.delete(batch);
    }
  }

  async #retry(batch: T[]): Promise<void> {
    for (let attempt = 1; !this.#abandoned; attempt++) {
      try {
        await this.#opts.write(batch);
        this.#written += batch.length;
        // Progress: whatever still waits has waited only from now.
        const waiting = this.#queue.length > 0 || this.#active > 1;
        this.#stalledSince = waiting ? this.#opts.clock.now() : undefined;
        return;
      } catch (e) {
        if (this.#abandoned) return; // its rows went elsewhere (abandon); nothing to retry or report
        if (!this.#opts.isTransient(e) && attempt >= this.#opts.maxAttempts) {
          // The cause says why; its message is not repeated here (a driver's may quote the whole batch).
          this.#failure = new Error(`storing ${batch.length} rows failed after ${attempt} attempts`, { cause: e });
          return;
        }
        this.#opts.onRetry?.(e as Error, attempt, batch.length);
        await this.#opts.clock.sleep(backoffMs(attempt, DB_OUTAGE));
      }
    }
  }
}
