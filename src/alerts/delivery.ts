import type { App } from "../app.ts";
import { buildNotifiers, deliveryOptions } from "./channels.ts";
import type { Notifier } from "./notifier.ts";
import { createOutboxWorker, type DeliveryOptions, type OutboxWorker } from "./outbox-worker.ts";

/** What callers (tests, `run`) may set beyond the config. */
export interface DeliveryOverrides {
  /** Replica name on claimed rows (default: the app's host:pid). */
  replica?: string;
  fetch?: typeof fetch;
  random?: () => number;
  options?: Partial<DeliveryOptions>;
}

/** The app's notifiers, built again when a config reload replaces `app.loaded`. */
function notifiersFor(app: App, fetchImpl?: typeof fetch): () => readonly Notifier[] {
  let built: { from: App["loaded"]; list: readonly Notifier[] } | undefined;
  return () => {
    if (built?.from !== app.loaded) built = { from: app.loaded, list: buildNotifiers(app, fetchImpl ? { fetch: fetchImpl } : {}) };
    return built.list;
  };
}

/** An outbox worker for this app's configured channels, not started (tests drive it with tick/drain). */
export function createAlertWorker(app: App, o: DeliveryOverrides = {}): OutboxWorker {
  return createOutboxWorker(
    {
      db: app.database.db,
      clock: app.clock,
      log: app.log.child({ component: "outbox" }),
      events: app.events,
      replica: o.replica ?? app.replica,
      notifiers: notifiersFor(app, o.fetch),
      redact: (t) => app.loaded.secrets.redact(t),
      ...(o.random ? { random: o.random } : {}),
    },
    { ...deliveryOptions(app.loaded.config.notify), ...o.options },
  );
}

/**
 * Starts this replica's outbox worker for `serve`: it polls, and wakes at once when a run of this
 * process queues notifications. Stopping it first delivers what is due now (the last runs' pages,
 * without waiting on any backoff); anything left stays queued for the next replica. Stop it before
 * closing the database.
 */
export function startAlertDelivery(app: App, overrides: DeliveryOverrides = {}): OutboxWorker {
  const worker = createAlertWorker(app, overrides);
  const onQueued = () => worker.wake();
  app.events.on("alert:queued", onQueued);
  worker.start();
  const stop = async () => {
    app.events.off("alert:queued", onQueued);
    await worker.stop();
    const left = await worker.drain({ timeoutMs: 0 }).catch((e: Error) => {
      app.log.warn({ err: app.loaded.secrets.redact(e.message) }, "cannot deliver the last notifications at shutdown");
      return -1;
    });
    if (left > 0) app.log.info({ queued: left }, "notifications left queued for the next replica");
  };
  return { ...worker, stop, [Symbol.asyncDispose]: stop };
}

/**
 * For one-shot commands (`goldwatch run`): delivers what is queued, waiting at most
 * `notify.delivery.drain_timeout` (or `timeoutMs`). Returns how many notifications are still
 * queued; they stay in the outbox for the next goldwatch process to deliver.
 */
export async function deliverQueued(
  app: App,
  opts: { timeoutMs?: number; signal?: AbortSignal } & DeliveryOverrides = {},
): Promise<number> {
  const worker = createAlertWorker(app, opts);
  try {
    return await worker.drain({
      timeoutMs: opts.timeoutMs ?? app.loaded.config.notify.delivery.drain_timeout,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    await worker.stop();
  }
}
