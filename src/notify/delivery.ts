import type { Clock } from "../clock.ts";
import type { NotifyConfig } from "../config/schema.ts";
import type { Redactor } from "../config/secrets.ts";
import type { Events } from "../engine/events.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { buildNotifiers, deliveryOptions } from "./channels.ts";
import type { Notifier } from "./notifier.ts";
import { createOutboxWorker, type DeliveryOptions, type OutboxWorker } from "./outbox-worker.ts";

/** What delivery needs: the outbox's database, time, logs, events, redaction, and the `notify` config. */
export interface DeliveryDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  events: Events;
  secrets: Redactor;
  /** Who holds the rows this process claims (host:pid:boot). */
  replica: string;
  /** The `notify` config, read again on each pass: a config reload takes effect. */
  notify: () => NotifyConfig;
}

/** What callers (tests, `run`) may set beyond the config. */
export interface DeliveryOverrides {
  /** Replica name on claimed rows (default: `deps.replica`). */
  replica?: string;
  fetch?: typeof fetch;
  random?: () => number;
  options?: Partial<DeliveryOptions>;
}

/** The configured notifiers, built again when a config reload replaces the `notify` config. */
function notifiersFor(deps: DeliveryDeps, fetchImpl?: typeof fetch): () => readonly Notifier[] {
  let built: { from: NotifyConfig; list: readonly Notifier[] } | undefined;
  return () => {
    const notify = deps.notify();
    if (built?.from !== notify)
      built = { from: notify, list: buildNotifiers(notify, { ...deps, ...(fetchImpl ? { fetch: fetchImpl } : {}) }) };
    return built.list;
  };
}

/** An outbox worker for the configured channels, not started (tests drive it with tick/drain). */
export function createAlertWorker(deps: DeliveryDeps, o: DeliveryOverrides = {}): OutboxWorker {
  return createOutboxWorker(
    {
      db: deps.db,
      clock: deps.clock,
      log: deps.log.child({ component: "outbox" }),
      events: deps.events,
      replica: o.replica ?? deps.replica,
      notifiers: notifiersFor(deps, o.fetch),
      redact: (t) => deps.secrets.redact(t),
      ...(o.random ? { random: o.random } : {}),
    },
    { ...deliveryOptions(deps.notify()), ...o.options },
  );
}

/**
 * Starts this replica's outbox worker for `serve`: it polls, and wakes at once when a run of this
 * process queues notifications. Stopping it first delivers what is due now (the last runs' pages,
 * without waiting on any backoff); anything left stays queued for the next replica. Stop it before
 * closing the database.
 */
export function startAlertDelivery(deps: DeliveryDeps, overrides: DeliveryOverrides = {}): OutboxWorker {
  const { events, log } = deps;
  const worker = createAlertWorker(deps, overrides);
  const onQueued = () => worker.wake();
  events.on("alert:queued", onQueued);
  worker.start();
  const stop = async () => {
    events.off("alert:queued", onQueued);
    await worker.stop();
    const left = await worker.drain({ timeoutMs: 0 }).catch((e: Error) => {
      log.warn({ err: deps.secrets.redact(e.message) }, "cannot deliver the last notifications at shutdown");
      return -1;
    });
    if (left > 0) log.info({ queued: left }, "notifications left queued for the next replica");
  };
  return { ...worker, stop, [Symbol.asyncDispose]: stop };
}

/**
 * For one-shot commands (`goldwatch run`): delivers what is queued, waiting at most
 * `notify.delivery.drain_timeout` (or `timeoutMs`). Returns how many notifications are still
 * queued; they stay in the outbox for the next goldwatch process to deliver.
 */
export async function deliverQueued(
  deps: DeliveryDeps,
  opts: { timeoutMs?: number; signal?: AbortSignal } & DeliveryOverrides = {},
): Promise<number> {
  const worker = createAlertWorker(deps, opts);
  try {
    return await worker.drain({
      timeoutMs: opts.timeoutMs ?? deps.notify().delivery.drain_timeout,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } finally {
    await worker.stop();
  }
}
