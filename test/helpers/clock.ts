import type { Clock } from "../../src/clock.ts";

interface Sleeper {
  at: number;
  resolve(): void;
}

/**
 * A clock the test moves by hand: `sleep` resolves only when the test advances time past it.
 * `advanceTo` wakes sleepers in deadline order, letting the woken code run between them; `tick`
 * moves time and wakes whoever is due at once, for tests that step time synchronously.
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #onSleep: (() => void)[] = [];

  constructor(start: Date | string | number = "2026-01-05T12:00:00Z") {
    this.#now = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.#now);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        at: this.#now + ms,
        resolve: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#sleepers.push(sleeper);
      for (const wake of this.#onSleep.splice(0)) wake();
    });
  }

  /** Sleepers waiting now. */
  get waiting(): number {
    return this.#sleepers.length;
  }

  /** Resolves once at least `n` sleepers are waiting. */
  async untilSleeping(n = 1): Promise<void> {
    while (this.#sleepers.length < n) await new Promise<void>((r) => this.#onSleep.push(r));
  }

  /** Moves time forward by `ms` now and wakes every sleeper then due, earliest first. */
  tick(ms: number): void {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.at <= this.#now).sort((a, b) => a.at - b.at);
    this.#sleepers = this.#sleepers.filter((s) => s.at > this.#now);
    for (const s of due) s.resolve();
  }

  /** The earliest deadline anyone sleeps until. */
  nextDeadline(): Date | undefined {
    const at = Math.min(...this.#sleepers.map((s) => s.at));
    return Number.isFinite(at) ? new Date(at) : undefined;
  }

  /** Moves time to `target`, waking each sleeper due on the way (earliest first) and letting it run. */
  async advanceTo(target: Date | string | number): Promise<void> {
    const to = new Date(target).getTime();
    for (;;) {
      await settle();
      const due = this.#sleepers.filter((s) => s.at <= to).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#now = Math.max(this.#now, due.at);
      this.#sleepers = this.#sleepers.filter((s) => s !== due);
      due.resolve();
    }
    this.#now = Math.max(this.#now, to);
    await settle();
  }

  /** Moves time to `target` at once, then wakes whoever is due (a host that was suspended). */
  async jump(target: Date | string | number): Promise<void> {
    this.#now = Math.max(this.#now, new Date(target).getTime());
    await this.advanceTo(target);
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }
}

/** A clock whose sleeps end at once (retry pauses in tests), with the real time. */
export const instantClock: Clock = { now: () => new Date(), sleep: async () => undefined };

/** Lets pending promise callbacks and immediate I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Waits for `done()` while nudging the manual clock forward in small steps (never past `limit`),
 * so code that sleeps on the injected clock (a retried write, a backoff) gets to run.
 */
export async function waitAdvancing(
  clock: ManualClock,
  done: () => Promise<boolean>,
  opts: { limit: Date | string; stepMs?: number; timeoutMs?: number },
): Promise<void> {
  const limit = new Date(opts.limit).getTime();
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${opts.timeoutMs ?? 20_000} ms (clock at ${clock.now().toISOString()})`);
    const next = Math.min(limit, clock.now().getTime() + (opts.stepMs ?? 250));
    if (next > clock.now().getTime()) await clock.advanceTo(next);
    await new Promise((r) => setTimeout(r, 20));
  }
}
