import type { Clock } from "../clock.ts";

export interface BatchWriterOptions<T> {
  write(rows: T[]): Promise<void>;
  clock: Clock;
  /** Rows per write. */
  maxRows?: number;
  /** How long a partial batch may wait before it is written. */
  maxDelayMs?: number;
  /** Called when a write fails; the batch is kept and retried with capped, jittered backoff. */
  onRetry?(error: Error, attempt: number): void;
  /** Errors worth retrying without limit (database unreachable); others get `maxAttempts`. */
  isTransient?(error: unknown): boolean;
  maxAttempts?: number;
}

/**
 * Buffers rows and writes them in batches while producers go on. `push` waits when two batches
 * are already waiting (backpressure), so memory stays bounded however large the run. A failed
 * write (database down) is retried until it succeeds: a completed trial is never dropped.
 */
export class BatchWriter<T> {
  readonly #opts: Required<Omit<BatchWriterOptions<T>, "onRetry">> & Pick<BatchWriterOptions<T>, "onRetry">;
  #failure: Error | undefined;
  #buffer: T[] = [];
  #inflight: Promise<void> = Promise.resolve();
  #pending = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #written = 0;

  constructor(opts: BatchWriterOptions<T>) {
    this.#opts = { maxRows: 500, maxDelayMs: 250, isTransient: () => true, maxAttempts: 5, ...opts };
  }

  /** Rows written so far. */
  get written(): number {
    return this.#written;
  }

  async push(row: T): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#buffer.push(row);
    if (this.#buffer.length >= this.#opts.maxRows) {
      this.#cut();
      // Backpressure: at most one batch being written and one queued behind it.
      while (this.#pending > 1) await this.#inflight;
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => this.#cut(), this.#opts.maxDelayMs);
    }
  }

  /** Writes everything buffered and waits for all writes; throws when a batch could not be written. */
  async flush(): Promise<void> {
    this.#cut();
    await this.#inflight;
    if (this.#failure) throw this.#failure;
  }

  #cut(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#pending++;
    this.#inflight = this.#inflight.then(() => this.#writeWithRetry(batch)).finally(() => this.#pending--);
  }

  async #writeWithRetry(batch: T[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#opts.write(batch);
        this.#written += batch.length;
        return;
      } catch (e) {
        if (!this.#opts.isTransient(e) && attempt >= this.#opts.maxAttempts) {
          this.#failure = new Error(`storing ${batch.length} rows failed after ${attempt} attempts: ${(e as Error).message}`, { cause: e });
          return;
        }
        this.#opts.onRetry?.(e as Error, attempt);
        const backoff = Math.min(5_000, 100 * 2 ** Math.min(attempt, 6));
        await this.#opts.clock.sleep(backoff * (0.5 + Math.random() / 2));
      }
    }
  }
}
