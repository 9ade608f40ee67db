import { backoffMs, DB_OUTAGE } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import type { IngestConfig } from "../config/schema.ts";
import type { Events } from "../engine/events.ts";
import type { Logger } from "../log.ts";
import { startPeriodic, type PeriodicWorker, type Worker } from "../periodic.ts";
import type { PriceTable } from "../pricing.ts";
import type { Db } from "../store/db.ts";
import { rowOf, SpendBuffer } from "./buffer.ts";
import { priceTable } from "./price.ts";
import { rawSampler } from "./raw-sample.ts";
import type { DecodedRequest } from "./span.ts";
import { addSpend, ROWS_PER_STATEMENT } from "./store.ts";
import { INPUT_KEYS, USAGE_KEYS } from "./usage.ts";
import { walkSpans, type SpanInput } from "./walk.ts";

/** What the receiver takes: the database, time, the log, its config slice and the price overrides. */
export interface IngestDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  /** The `ingest:` config (a getter: a reload applies to the limits; the buffer size is read at start). */
  config: () => IngestConfig;
  /** The config's top-level `pricing:` overrides. */
  prices: () => PriceTable;
  /**
   * Called for each model-call or invoke_agent span that carries input messages
   * (gen_ai.input.messages, gen_ai.prompt or OpenInference input.value), for shadow sampling.
   * Must be quick; what it throws is logged and ignored.
   */
  onInput?: (s: SpanInput) => void;
  /** Told of every write to spend_minutes (`ingest:write`), for the metrics. */
  events?: Events | undefined;
}

/** Why a request is refused before it is read, and when to come back. */
export type Admission = { ok: true; release: () => void } | { ok: false; status: 429 | 503; retryAfterS: number; message: string };

/** The receiver: admits and aggregates decoded requests, and writes the sums to spend_minutes. */
export interface Receiver extends Worker {
  /** Attributes the decoders must keep. */
  readonly wanted: ReadonlySet<string>;
  /** Admits a request (call `release` when it is answered), or says why not. */
  admit(): Admission;
  /** Aggregates a decoded request; returns what it rejected, or undefined once closed (answer 503). */
  accept(req: DecodedRequest): { rejected: number; reasons: string[] } | undefined;
  /** Writes what is held now (the periodic pass; tests call it). Resolves to a backoff in ms after a failure. */
  flush(): Promise<number | void>;
  /** Rows held, not yet written. */
  readonly pending: number;
}

/** How long the final flush at shutdown keeps retrying (the service gives a worker 3 s to stop). */
const FINAL_FLUSH_MS = 2_500;
/** Models already logged as unpriced (bounded: a client inventing model names cannot grow it). */
const MAX_UNPRICED_LOGGED = 1_000;

/** The merged price table, rebuilt only when the config's overrides object changes (a reload). */
function pricesFrom(overrides: () => PriceTable): () => PriceTable {
  let last: PriceTable | undefined;
  let table: PriceTable = priceTable({});
  return () => {
    const now = overrides();
    if (now !== last) {
      last = now;
      table = priceTable(now);
    }
    return table;
  };
}

/** The sampling hook, with its faults logged instead of failing the request. */
function guarded(hook: ((s: SpanInput) => void) | undefined, log: Logger): ((s: SpanInput) => void) | undefined {
  if (!hook) return undefined;
  return (s) => {
    try {
      hook(s);
    } catch (e) {
      log.warn({ err: (e as Error).message }, "ingest: the input sampling hook failed");
    }
  };
}

/**
 * Writes everything `buffer` holds, a statement per ROWS_PER_STATEMENT rows. A failed statement's
 * rows and the rest go back to the buffer; resolves to the backoff to wait then (and counts the
 * failure), undefined once all is written.
 */
function flusher(db: Db, buffer: SpendBuffer, log: Logger, events: Events | undefined) {
  let failures = 0;
  return {
    failures: () => failures,
    async flush(): Promise<number | void> {
      const rows = buffer.take();
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        try {
          await addSpend(db, rows.slice(i, i + ROWS_PER_STATEMENT));
        } catch (e) {
          // Each statement is atomic: what it did not store goes back, to be added again.
          buffer.restore(rows.slice(i));
          if (i > 0) events?.emit("ingest:write", { rows: i, ok: true });
          events?.emit("ingest:write", { rows: rows.length - i, ok: false });
          failures++;
          const waitMs = backoffMs(failures, DB_OUTAGE);
          log.warn(
            { err: (e as Error).message, rows: rows.length - i, attempt: failures, retryInMs: waitMs },
            "ingest: writing spend failed; retrying",
          );
          return waitMs;
        }
      }
      if (rows.length > 0) events?.emit("ingest:write", { rows: rows.length, ok: true });
      if (failures > 0) log.info({ attempts: failures }, "ingest: writing spend recovered");
      failures = 0;
    },
  };
}

/**
 * Starts the receiver's flush loop: every `flush_interval`, sooner when half the buffer is used,
 * retried with backoff while the database fails. While it fails, while the buffer is full and
 * once stopping, requests are refused with 503 and Retry-After, so exporters keep the data and
 * retry; what was accepted (200) stays held until written.
 */
export function startReceiver(deps: IngestDeps): Receiver {
  const { log, clock } = deps;
  const maxRows = deps.config().max_pending_rows;
  const buffer = new SpendBuffer(maxRows);
  const wanted = new Set<string>([...USAGE_KEYS, ...(deps.onInput ? INPUT_KEYS : [])]);
  const unpricedLogged = new Set<string>();
  let stopping = false;
  let closed = false;
  // Requests admitted and not yet answered: the final flush waits for them.
  let active = 0;
  let idle: (() => void) | undefined;
  const release = () => {
    if (--active === 0) idle?.();
  };
  const prices = pricesFrom(deps.prices);
  const onInput = guarded(deps.onInput, log);
  const spend = flusher(deps.db, buffer, log, deps.events);
  const failures = spend.failures;
  const sampler = rawSampler({ db: deps.db, clock, log, retentionMs: () => deps.config().raw_span_retention });
  const flush = async (): Promise<number | void> => {
    const wait = await spend.flush();
    await sampler.write();
    return wait;
  };

  // Started by the first admitted request: a receiver that never serves (the port was taken, ingest
  // off) leaves no timer behind.
  let loop: PeriodicWorker | undefined;
  const started = () => (loop ??= startPeriodic("ingest-flush", clock, deps.config().flush_interval, flush));

  return {
    name: "ingest-flush",
    wanted,
    get pending() {
      return buffer.size;
    },
    flush,
    admit(): Admission {
      if (stopping) return { ok: false, status: 503, retryAfterS: 1, message: "this replica is shutting down; retry" };
      if (failures() > 0) {
        const s = Math.max(1, Math.ceil(backoffMs(failures(), DB_OUTAGE, () => 1) / 1000));
        return { ok: false, status: 503, retryAfterS: s, message: "the database is not taking writes; retry later" };
      }
      if (buffer.full) {
        started().wake();
        return {
          ok: false,
          status: 503,
          retryAfterS: Math.max(1, Math.ceil(deps.config().flush_interval / 1000)),
          message: "ingest is behind; retry later",
        };
      }
      started();
      active++;
      return { ok: true, release };
    },
    accept(req) {
      if (closed) return undefined;
      const result = walkSpans(req, {
        prices: prices(),
        nowMs: clock.now().getTime(),
        onInput,
        sampleRate: deps.config().sample_raw_spans,
        onSample: sampler.add,
      });
      for (const r of result.records) {
        buffer.add(rowOf(r));
        if (r.unpriced && !unpricedLogged.has(r.model) && unpricedLogged.size < MAX_UNPRICED_LOGGED) {
          unpricedLogged.add(r.model);
          log.warn(
            { model: r.model, provider: r.provider, agent: r.agent },
            "ingest: model has no price; its calls are counted as unpriced (add it under pricing:)",
          );
        }
      }
      if (buffer.size >= maxRows / 2) started().wake();
      return { rejected: result.rejected, reasons: result.reasons };
    },
    async stop() {
      stopping = true;
      await loop?.stop();
      if (active > 0) await Promise.race([new Promise<void>((r) => (idle = r)), clock.sleep(FINAL_FLUSH_MS).catch(() => {})]);
      closed = true;
      // What was accepted is written before the process goes, retried within a bound.
      const deadline = clock.now().getTime() + FINAL_FLUSH_MS;
      for (;;) {
        const wait = await flush();
        if (wait === undefined || buffer.size === 0) return;
        if (clock.now().getTime() + wait > deadline) break;
        await clock.sleep(wait).catch(() => {});
      }
      log.error({ rows: buffer.size }, "ingest: spend accepted but not written at shutdown (database unreachable); these sums are lost");
    },
  };
}
