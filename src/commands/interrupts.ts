import type { Secrets } from "../config/secrets.ts";
import type { Logger } from "../log.ts";
import { describeDbError } from "../store/errors.ts";

/** A one-shot command's handling of Ctrl-C and SIGTERM, and of stray exceptions while it runs. */
export interface Interrupts {
  /** Aborted by the first signal: no new trials, those in flight are cancelled. */
  signal: AbortSignal;
  /** Aborted by the second: unstored trials go to disk now instead of after a wait. */
  hurry: AbortSignal;
  dispose(): void;
}

/**
 * First signal: the run stops, and what the database does not take within a few seconds is kept
 * on disk (spill) before exiting. A second signal skips that wait; trials are never dropped by a
 * signal, only spilled sooner.
 * postgres.js 3.4.9 can throw from a timer when a connection closes under a queued write
 * (porsager/postgres#1154, #1208): the query itself is already rejected and retried, so the throw
 * is logged, not the end of the process (which would lose the run's trials). Anything else
 * uncaught is logged the same way, as serve does.
 */
export function handleInterrupts(log: Logger, secrets: Secrets, what = "the run"): Interrupts {
  const onUncaught = (e: Error) => {
    const driver = /postgres[\\/]src[\\/]connection\.js/.test(e.stack ?? "") && /nextWrite/.test(e.stack ?? "");
    if (driver) log.warn({ err: e.message }, "database connection closed under a pending write; its query fails and is retried");
    else log.error({ err: describeDbError(e, secrets), stack: e.stack }, "uncaught exception");
  };
  const abort = new AbortController();
  const hurry = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (!abort.signal.aborted) {
      log.warn({ signal: sig }, `interrupted: stopping ${what}; unstored trials are kept on disk (again to stop at once)`);
      abort.abort(new Error("interrupted"));
    } else {
      log.warn({ signal: sig }, "second signal: keeping unstored trials on disk now and exiting");
      hurry.abort(new Error("interrupted twice"));
    }
  };
  process.on("uncaughtException", onUncaught);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: abort.signal,
    hurry: hurry.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("uncaughtException", onUncaught);
    },
  };
}
