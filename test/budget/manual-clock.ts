import type { Clock } from "../../src/clock.ts";

/** A clock the test moves by hand: `sleep` resolves only when `advance` passes its deadline. */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: { at: number; resolve(): void; reject(e: unknown): void; signal?: AbortSignal | undefined }[] = [];
  #waiters: (() => void)[] = [];

  constructor(start = Date.parse("2026-01-05T12:00:00Z")) {
    this.#now = start;
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { at: this.#now + ms, resolve, reject, signal };
      this.#sleepers.push(entry);
      signal?.addEventListener(
        "abort",
        () => {
          this.#sleepers = this.#sleepers.filter((s) => s !== entry);
          reject(signal.reason);
        },
        { once: true },
      );
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /** Sleeps pending now. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** Resolves once at least `n` sleeps are pending. */
  async untilSleeping(n = 1): Promise<void> {
    while (this.#sleepers.length < n) await new Promise<void>((r) => this.#waiters.push(r));
  }

  /** Moves time forward and wakes every sleep whose deadline has passed. */
  advance(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.at <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
    for (const s of due) s.resolve();
  }
}

/** A clock whose sleeps end at once (retry pauses in tests), with real `now`. */
export const instantClock: Clock = { now: () => new Date(), sleep: async () => undefined };
