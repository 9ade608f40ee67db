import type { App } from "../app.ts";
import { startPeriodic, type PeriodicWorker } from "../schedule/periodic.ts";
import { pruneOutbox } from "../notify/store.ts";

const HOUR_MS = 3_600_000;

/**
 * Hourly, deletes notifications delivered (or failed for good) longer ago than
 * `retention.notifications`: a service that runs for years keeps a bounded outbox. A failure
 * (database down) is logged; the next pass catches up.
 */
export function startOutboxRetention(app: App): PeriodicWorker {
  const pass = async () => {
    const before = new Date(app.clock.now().getTime() - app.loaded.config.retention.notifications);
    try {
      const pruned = await pruneOutbox(app.database.db, before);
      if (pruned > 0) app.log.info({ pruned, before }, "delivered notifications pruned from the outbox");
    } catch (e) {
      app.log.warn({ err: app.loaded.secrets.redact((e as Error).message) }, "pruning the alert outbox failed; will retry");
    }
  };
  return startPeriodic("outbox-retention", app.clock, HOUR_MS, pass, { immediately: true });
}
