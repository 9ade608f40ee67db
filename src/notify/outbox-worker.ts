import type { Notification } from "../alerts/notification.ts";
import { backoffMs } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import type { Events } from "../engine/events.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { describeDbError } from "../store/errors.ts";
import { claimOutbox, markOutboxFailed, markOutboxSent, pendingOutbox, rescheduleOutbox, type OutboxRow } from "./store.ts";
import { startPeriodic, type PeriodicWorker } from "../periodic.ts";
import type { Notifier, SendOutcome } from "./notifier.ts";

/** Tuning of the delivery loop (from `notify.delivery`). */
export interface DeliveryOptions {
  pollMs: number;
  leaseMs: number;
  maxBackoffMs: number;
  giveUpAfterMs: number;
  /** Rows claimed per pass. */
  batch: number;
}

/** Defaults, the same as `notify.delivery` (batch: rows per claim). */
export const DEFAULT_DELIVERY: DeliveryOptions = {
  pollMs: 2_000,
  leaseMs: 60_000,
  maxBackoffMs: 15 * 60_000,
  giveUpAfterMs: 24 * 3_600_000,
  batch: 10,
};

/** What the worker needs: the database, time, logs, events, and the channels to deliver to. */
export interface OutboxDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  events: Events;
  /** Who holds a claimed row (host:pid). */
  replica: string;
  /** The channels to deliver to; read each pass, so a config reload takes effect. */
  notifiers: () => readonly Notifier[];
  /** Scrubs secrets from error text before it is logged or stored. */
  redact: (text: string) => string;
  /** For backoff jitter; tests pin it. */
  random?: () => number;
}

/** The delivery loop of one replica. */
export interface OutboxWorker {
  readonly name: "alert-outbox";
  /** Runs the loop in the background until stopped. */
  start(): void;
  /** Asks for a pass now (rows were just queued). */
  wake(): void;
  /** Claims and delivers one batch of due rows; returns how many it claimed. */
  tick(): Promise<number>;
  /**
   * Delivers until nothing is due, waiting for rows that come due before the deadline (a retry
   * after a 429, say). Returns how many rows are still pending afterwards.
   */
  drain(opts: { timeoutMs: number; signal?: AbortSignal }): Promise<number>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Retries of a row, and passes after a failed one: attempt 1 → 2.5–5 s, 2 → 5–10 s, … up to `maxBackoffMs`. */
const BACKOFF_BASE_MS = 5_000;

/** What settling a row needs: the worker's deps and options, and what this replica remembers. */
interface Settling {
  deps: OutboxDeps;
  opts: DeliveryOptions;
  backoff: { baseMs: number; maxMs: number };
  random: () => number;
  /** Channels paused for Retry-After: until when (epoch ms). */
  pausedUntil: Map<string, number>;
  /** Permanent errors already logged, by channel and error. */
  loggedPermanent: Set<string>;
}

/** Records how a send ended: sent, retried later, or failed for good (logged once per channel and error). */
async function settle(w: Settling, row: OutboxRow, n: Notification, outcome: SendOutcome): Promise<void> {
  const { db, clock, log, events, replica } = w.deps;
  const now = clock.now();
  const base = { id: row.id, channel: row.channel, kind: row.kind, job: row.job, groupKey: row.groupKey, attempts: row.attempts };
  if (outcome.status === "sent") {
    const held = await markOutboxSent(db, row.id, replica, now, outcome.ref ?? null);
    if (!held)
      log.warn(
        { outbox: row.id, channel: row.channel },
        "outbox lease expired before the send was recorded; another replica may send it again",
      );
    log.info({ outbox: row.id, channel: row.channel, kind: n.kind, job: n.job, attempts: row.attempts }, "alert delivered");
    events.emit("alert:sent", { ...base, ref: outcome.ref ?? null });
    return;
  }
  const error = w.deps.redact(outcome.error);
  const age = now.getTime() - row.createdAt.getTime();
  if (outcome.status === "retry" && age < w.opts.giveUpAfterMs) {
    const delay = outcome.retryAfterMs ?? backoffMs(row.attempts, w.backoff, w.random);
    if (outcome.retryAfterMs !== undefined) w.pausedUntil.set(row.channel, now.getTime() + outcome.retryAfterMs);
    const retryAt = new Date(now.getTime() + delay);
    await rescheduleOutbox(db, row.id, replica, retryAt, error);
    log.warn(
      {
        outbox: row.id,
        channel: row.channel,
        kind: n.kind,
        job: n.job,
        attempts: row.attempts,
        retryAt: retryAt.toISOString(),
        err: error,
      },
      "alert delivery failed; will retry",
    );
    events.emit("alert:failed", { ...base, error, permanent: false, retryAt });
    return;
  }
  const fix = outcome.status === "failed" ? outcome.fix : `gave up after ${Math.round(age / 60_000)} minutes of retries`;
  await markOutboxFailed(db, row.id, replica, fix ? `${error} — ${fix}` : error);
  const key = `${row.channel}:${error}`;
  if (!w.loggedPermanent.has(key)) {
    w.loggedPermanent.add(key);
    log.error(
      { outbox: row.id, channel: row.channel, job: n.job, err: error, fix },
      `cannot deliver alerts to ${row.channel}: ${error}${fix ? ` — fix: ${fix}` : ""}`,
    );
  }
  events.emit("alert:failed", { ...base, error, permanent: true, retryAt: null });
}

/** Sends one claimed row and settles it; a failure to record the outcome leaves the row to its lease. */
async function deliver(w: Settling, row: OutboxRow, notifier: Notifier): Promise<void> {
  const n = row.payload as Notification;
  let outcome: SendOutcome;
  try {
    outcome = notifier.wants(n)
      ? await notifier.send(n, { outboxId: row.id, dedupKey: row.dedupKey, attempt: row.attempts })
      : { status: "sent", ref: "not applicable" };
  } catch (e) {
    outcome = { status: "retry", error: `${row.channel} notifier threw: ${(e as Error).message}` };
  }
  try {
    await settle(w, row, n, outcome);
  } catch (e) {
    // The lease runs out and the row is claimed again: at least once, never lost.
    w.deps.log.error(
      { outbox: row.id, err: describeDbError(e, { redact: w.deps.redact }) },
      "cannot record an alert delivery; it will be retried",
    );
  }
}

/**
 * The outbox worker: claims due rows (a short statement that leases them to this replica),
 * sends each outside any transaction, then settles it: sent, retried later (Retry-After when the
 * channel gave one, else capped jittered backoff), or failed for good (logged once with the fix).
 * A 429 also pauses that channel on this replica for Retry-After, leaving other channels alone.
 * Every failure of its own (the database down) is logged and retried; the loop never dies.
 */
export function createOutboxWorker(deps: OutboxDeps, options: Partial<DeliveryOptions> = {}): OutboxWorker {
  const opts = { ...DEFAULT_DELIVERY, ...options };
  const { db, clock, log, replica } = deps;
  const random = deps.random ?? Math.random;
  let byChannel = new Map<string, Notifier>();
  let channels: string[] = [];
  let current: readonly Notifier[] | undefined;
  const refresh = () => {
    const list = deps.notifiers();
    if (list === current) return;
    current = list;
    byChannel = new Map(list.map((n) => [n.channel, n]));
    channels = [...byChannel.keys()];
  };
  const pausedUntil = new Map<string, number>();
  const backoff = { baseMs: BACKOFF_BASE_MS, maxMs: opts.maxBackoffMs };
  const settling: Settling = { deps, opts, backoff, random, pausedUntil, loggedPermanent: new Set() };
  let loop: PeriodicWorker | undefined;
  let stopped = false;

  const activeChannels = (now: Date) => channels.filter((c) => (pausedUntil.get(c) ?? 0) <= now.getTime());

  async function tick(): Promise<number> {
    refresh();
    const now = clock.now();
    const notifiers = byChannel;
    const rows = await claimOutbox(db, { replica, now, leaseMs: opts.leaseMs, limit: opts.batch, channels: activeChannels(now) });
    await Promise.allSettled(rows.map((row) => deliver(settling, row, notifiers.get(row.channel)!)));
    return rows.length;
  }

  let failures = 0;
  /** One pass of the loop; returns how long to rest: none while rows keep coming, a backoff after a failure. */
  async function pass(): Promise<number> {
    try {
      const claimed = await tick();
      failures = 0;
      return claimed > 0 ? 0 : opts.pollMs;
    } catch (e) {
      failures++;
      log.error({ err: describeDbError(e, { redact: deps.redact }), failures }, "outbox pass failed; retrying");
      return backoffMs(failures, backoff, random);
    }
  }

  const stop = async () => {
    stopped = true;
    await loop?.stop();
  };

  return {
    name: "alert-outbox",
    start() {
      if (!stopped) loop ??= startPeriodic("alert-outbox", clock, opts.pollMs, pass, { immediately: true });
    },
    wake() {
      loop?.wake();
    },
    tick,
    async drain({ timeoutMs, signal }) {
      const deadline = clock.now().getTime() + timeoutMs;
      for (;;) {
        if (signal?.aborted) break;
        if ((await tick()) > 0) continue;
        const { count, nextAt } = await pendingOutbox(db, channels);
        if (count === 0 || !nextAt) return 0;
        const now = clock.now().getTime();
        const pauses = [...pausedUntil.values()].filter((t) => t > now);
        // Due now but its channel is paused: wait for the pause, not a busy loop.
        const at = nextAt.getTime() > now ? nextAt.getTime() : pauses.length > 0 ? Math.min(...pauses) : now + 50;
        if (at >= deadline) return count;
        try {
          await clock.sleep(Math.max(10, at - now), signal);
        } catch {
          break;
        }
      }
      return (await pendingOutbox(db, channels)).count;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
