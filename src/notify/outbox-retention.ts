import type { Clock } from "../clock.ts";
import type { Redactor } from "../config/secrets.ts";
import type { Logger } from "../log.ts";
import { startPeriodic, type PeriodicWorker } from "../periodic.ts";
import type { Db } from "../store/db.ts";
import { pruneOutbox } from "./store.ts";

const HOUR_MS = 3_600_000;

/** What outbox retention needs; `retentionMs` is `retention.notifications`, read each pass (reloads apply). */
export interface RetentionDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  secrets: Redactor;
  retentionMs: () => number;
}

/**
 * Hourly, deletes notifications delivered (or failed for good) longer ago than
 * `retention.notifications`: a service that runs for years keeps a bounded outbox. A failure
 * (database down) is logged; the next pass catches up.
 */
export function startOutboxRetention(deps: RetentionDeps): PeriodicWorker {
  const { db, clock, log, secrets } = deps;
  const pass = async () => {
    const before = new Date(clock.now().getTime() - deps.retentionMs());
    try {
      const pruned = await pruneOutbox(db, before);
      if (pruned > 0) log.info({ pruned, before }, "delivered notifications pruned from the outbox");
    } catch (e) {
      log.warn({ err: secrets.redact((e as Error).message) }, "pruning the alert outbox failed; will retry");
    }
  };
  return startPeriodic("outbox-retention", clock, HOUR_MS, pass, { immediately: true });
}
