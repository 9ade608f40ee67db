import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Events, GoldwatchEvents } from "./engine/events.ts";

/** Values the metrics read when scraped, from the parts that own them. */
export interface MetricSources {
  /** Runs going in this process. */
  activeRuns(): number;
  /** Scheduler loops running (0 while stopping). */
  scheduledJobs(): number;
  /** Alerts firing, by job; undefined when unknown (the gauge is then left out of the scrape). */
  alertsFiring?(): Promise<Record<string, number> | undefined>;
  /** /readyz's checks (each "ok" or why not); undefined leaves the readiness gauges out. */
  readiness?(): Promise<Record<string, string>>;
  /** Notifications waiting in the outbox, per channel; undefined when unreadable (outage). */
  outbox?(): Promise<OutboxBacklog[] | undefined>;
  /** Spend rows the OTLP receiver holds, not yet written; absent (ingest off): no gauge. */
  ingestPending?(): number;
}

/** One channel's undelivered notifications. */
export interface OutboxBacklog {
  channel: string;
  pending: number;
  /** Age of the oldest pending row, in seconds (0 when none). */
  oldestSeconds: number;
}

/** The service's Prometheus metrics. */
export interface Metrics {
  readonly registry: Registry;
  readonly contentType: string;
  /** The exposition text for /metrics. */
  render(): Promise<string>;
  /** Unsubscribes from the events. */
  stop(): void;
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300];

/**
 * Prometheus metrics (prom-client) fed by the typed events: runs, trials, accuracy, cost,
 * latency, scheduler lag and slot outcomes, plus gauges read at scrape time. One registry per
 * service, so several services in one process (tests) do not share counters.
 */
export function createMetrics(events: Events, sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { runs, trials, accuracy, accuracyLow, cost, trialLatency, runDuration, slots, lag, storeRetries, notifications } =
    eventInstruments(registry);
  scrapeGauges(registry, sources);
  healthGauges(registry, sources);

  const unsubscribe = subscribe(events, {
    "run:finished": (s) => {
      runs.inc({ job: s.job, status: s.status });
      cost.inc({ job: s.job }, s.costUsd);
      runDuration.observe({ job: s.job }, s.durationMs / 1000);
      if (s.accuracy) {
        accuracy.set({ job: s.job }, s.accuracy.estimate);
        accuracyLow.set({ job: s.job }, s.accuracy.low);
      }
    },
    "trial:finished": (t) => {
      trials.inc({ job: t.job, status: t.status });
      trialLatency.observe({ job: t.job }, t.latencyMs / 1000);
    },
    "slot:outcome": (o) => {
      slots.inc({ job: o.job, outcome: o.outcome });
      if (o.outcome === "started") lag.observe({ job: o.job }, Math.max(0, o.lagMs) / 1000);
    },
    "store:retry": () => storeRetries.inc(),
    "alert:sent": (a) => notifications.inc({ channel: a.channel, outcome: "sent" }),
    "alert:failed": (a) => notifications.inc({ channel: a.channel, outcome: a.permanent ? "failed" : "retry" }),
    ...ingestInstruments(registry, sources),
  });
  return { registry, contentType: registry.contentType, render: () => registry.metrics(), stop: unsubscribe };
}

/** A listener per event, each taking that event's arguments. */
type Handlers = { [K in keyof GoldwatchEvents]?: (...args: GoldwatchEvents[K]) => void };

/** Subscribes each handler to its event; returns the unsubscribe. */
function subscribe(events: Events, handlers: Handlers): () => void {
  const names = Object.keys(handlers) as (keyof GoldwatchEvents)[];
  // The emitter's overloads cannot follow a name held in a variable; each handler matches its name by Handlers' type.
  const listener = (n: keyof GoldwatchEvents) => handlers[n] as never;
  for (const n of names) events.on(n, listener(n));
  return () => {
    for (const n of names) events.off(n, listener(n));
  };
}

/** The counters and histograms the events feed. */
function eventInstruments(registry: Registry) {
  const runs = new Counter({
    name: "goldwatch_runs_total",
    help: "Runs finished, by job and status.",
    labelNames: ["job", "status"],
    registers: [registry],
  });
  const trials = new Counter({
    name: "goldwatch_trials_total",
    help: "Trials finished, by job and status.",
    labelNames: ["job", "status"],
    registers: [registry],
  });
  const accuracy = new Gauge({
    name: "goldwatch_run_accuracy",
    help: "Accuracy (mean per-case pass rate) of the job's last run.",
    labelNames: ["job"],
    registers: [registry],
  });
  const accuracyLow = new Gauge({
    name: "goldwatch_run_accuracy_low",
    help: "Lower bound of the last run's 95% accuracy interval.",
    labelNames: ["job"],
    registers: [registry],
  });
  const cost = new Counter({
    name: "goldwatch_cost_usd_total",
    help: "Agent spend in USD, by job.",
    labelNames: ["job"],
    registers: [registry],
  });
  const trialLatency = new Histogram({
    name: "goldwatch_trial_latency_seconds",
    help: "Agent latency per trial.",
    labelNames: ["job"],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: "goldwatch_run_duration_seconds",
    help: "Wall time of a run.",
    labelNames: ["job"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const slots = new Counter({
    name: "goldwatch_slots_total",
    help: "Scheduled slots on this replica, by outcome (started, taken by another replica, skipped, missed).",
    labelNames: ["job", "outcome"],
    registers: [registry],
  });
  const lag = new Histogram({
    name: "goldwatch_scheduler_lag_seconds",
    help: "Delay from a slot's scheduled instant to its run starting.",
    labelNames: ["job"],
    buckets: LAG_BUCKETS,
    registers: [registry],
  });
  const storeRetries = new Counter({
    name: "goldwatch_store_retries_total",
    help: "Database writes retried (outages).",
    registers: [registry],
  });
  const notifications = new Counter({
    name: "goldwatch_notifications_total",
    help: "Notification delivery attempts, by channel and outcome (sent; retry: failed, tried again later; failed: given up).",
    labelNames: ["channel", "outcome"],
    registers: [registry],
  });
  return { runs, trials, accuracy, accuracyLow, cost, trialLatency, runDuration, slots, lag, storeRetries, notifications };
}

/** The OTLP receiver's counters and the handlers of the events that feed them, and its backlog gauge. */
function ingestInstruments(registry: Registry, sources: MetricSources): Handlers {
  const requests = new Counter({
    name: "goldwatch_ingest_requests_total",
    help: "OTLP /v1/traces requests answered, by HTTP status (429 and 503: exporters told to back off).",
    labelNames: ["status"],
    registers: [registry],
  });
  const spans = new Counter({
    name: "goldwatch_ingest_spans_total",
    help: "Spans in answered OTLP requests, by outcome (accepted, or rejected in a partialSuccess).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const writes = new Counter({
    name: "goldwatch_ingest_rows_written_total",
    help: "Spend rows written to spend_minutes, by outcome (ok; failed: held and retried).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const pending = sources.ingestPending;
  if (pending)
    new Gauge({
      name: "goldwatch_ingest_pending_rows",
      help: "Spend rows the OTLP receiver holds, not yet written.",
      registers: [registry],
      collect() {
        this.set(pending());
      },
    });
  return {
    "ingest:request": (r) => {
      requests.inc({ status: String(r.status) });
      if (r.spans > r.rejected) spans.inc({ outcome: "accepted" }, r.spans - r.rejected);
      if (r.rejected > 0) spans.inc({ outcome: "rejected" }, r.rejected);
    },
    "ingest:write": (w) => writes.inc({ outcome: w.ok ? "ok" : "failed" }, w.rows),
  };
}

/** Gauges read from their owners at scrape time. */
function scrapeGauges(registry: Registry, sources: MetricSources): void {
  new Gauge({
    name: "goldwatch_runs_active",
    help: "Runs going in this process.",
    registers: [registry],
    collect() {
      this.set(sources.activeRuns());
    },
  });
  new Gauge({
    name: "goldwatch_scheduled_jobs",
    help: "Jobs this replica schedules.",
    registers: [registry],
    collect() {
      this.set(sources.scheduledJobs());
    },
  });
  new Gauge({
    name: "goldwatch_alerts_firing",
    help: "Alerts firing, by job.",
    labelNames: ["job"],
    registers: [registry],
    async collect() {
      const byJob = await sources.alertsFiring?.().catch(() => undefined);
      this.reset();
      for (const [job, n] of Object.entries(byJob ?? {})) this.set({ job }, n);
    },
  });
}

/**
 * `read`, called at most once at a time: every gauge's collect starts in the same pass of a scrape
 * (prom-client gathers them together), so gauges that share one reading share one query.
 */
function shared<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => (pending ??= read().finally(() => (pending = undefined)));
}

/**
 * Readiness and outbox backlog, read at scrape time, so Prometheus can page on goldwatch itself
 * (deploy/prometheus/goldwatch-rules.yaml): a replica not ready, a database away, pages stuck.
 */
function healthGauges(registry: Registry, sources: MetricSources): void {
  const readiness = shared(async () => (sources.readiness ? sources.readiness().catch(() => ({ readiness: "failed" })) : undefined));
  const outbox = shared(async () => sources.outbox?.().catch(() => undefined));
  new Gauge({
    name: "goldwatch_ready",
    help: "1 when /readyz answers ready (database reachable, scheduler running), else 0.",
    registers: [registry],
    async collect() {
      const checks = await readiness();
      if (checks) this.set(Object.values(checks).every((v) => v === "ok") ? 1 : 0);
    },
  });
  new Gauge({
    name: "goldwatch_readiness_check",
    help: "Each /readyz check: 1 ok, 0 failing (check: database, scheduler).",
    labelNames: ["check"],
    registers: [registry],
    async collect() {
      const checks = await readiness();
      this.reset();
      for (const [check, state] of Object.entries(checks ?? {})) this.set({ check }, state === "ok" ? 1 : 0);
    },
  });
  new Gauge({
    name: "goldwatch_outbox_pending",
    help: "Notifications waiting in the outbox, by channel (the outbox is in the database: every replica reports the same).",
    labelNames: ["channel"],
    registers: [registry],
    async collect() {
      const backlog = await outbox();
      this.reset();
      for (const b of backlog ?? []) this.set({ channel: b.channel }, b.pending);
    },
  });
  new Gauge({
    name: "goldwatch_outbox_oldest_pending_seconds",
    help: "Age of the oldest undelivered notification, by channel (every replica reports the same).",
    labelNames: ["channel"],
    registers: [registry],
    async collect() {
      const backlog = await outbox();
      this.reset();
      for (const b of backlog ?? []) this.set({ channel: b.channel }, b.oldestSeconds);
    },
  });
}
