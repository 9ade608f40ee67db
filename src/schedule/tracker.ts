import type { Clock } from "../clock.ts";

interface ActiveRun {
  job: string;
  controller: AbortController;
  done: Promise<unknown>;
}

/**
 * The runs going in this process, scheduled or manual: one place that knows whether a job is
 * busy, which runs the reaper must leave alone, and how to drain them on shutdown.
 */
export class RunTracker {
  readonly #active = new Map<string, ActiveRun>();
  #accepting = true;

  /** False once draining began: no new run may start. */
  get accepting(): boolean {
    return this.#accepting;
  }

  get size(): number {
    return this.#active.size;
  }

  /** Ids of the runs going here. */
  ids(): string[] {
    return [...this.#active.keys()];
  }

  /** True when a run of `job` is going in this process. */
  busy(job: string): boolean {
    for (const run of this.#active.values()) if (run.job === job) return true;
    return false;
  }

  /** Starts a run; `work` gets the signal that aborts it on shutdown. Throws when draining. */
  start<T>(job: string, runId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (!this.#accepting) throw new Error("the service is shutting down; no new runs");
    const controller = new AbortController();
    const done = work(controller.signal).finally(() => this.#active.delete(runId));
    this.#active.set(runId, { job, controller, done });
    return done;
  }

  /**
   * Stops new runs, waits up to `graceMs` for those going to finish, then aborts the rest (the
   * engine stores them as aborted) and waits up to `abortMs` for their final writes. Resolves
   * with what was left unfinished (normally nothing).
   */
  async drain(clock: Clock, graceMs: number, abortMs: number): Promise<{ finished: number; aborted: number; unfinished: number }> {
    this.#accepting = false;
    const started = this.#active.size;
    const settled = () => Promise.allSettled([...this.#active.values()].map((r) => r.done));
    const within = async (ms: number) => {
      const stop = new AbortController();
      await Promise.race([settled(), clock.sleep(ms, stop.signal).catch(() => {})]);
      stop.abort();
    };
    await within(graceMs);
    const aborted = this.#active.size;
    for (const run of this.#active.values()) run.controller.abort(new Error("shutting down: shutdown_grace elapsed"));
    if (aborted > 0) await within(abortMs);
    return { finished: started - aborted, aborted, unfinished: this.#active.size };
  }

  /** Aborts every run at once (a second SIGTERM). */
  abortAll(reason: string): void {
    for (const run of this.#active.values()) run.controller.abort(new Error(reason));
  }
}
