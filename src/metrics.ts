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
  const { runs, trials, accuracy, accuracyLow, cost, trialLatency, runDuration, slots, lag, storeRetries } = eventInstruments(registry);
  scrapeGauges(registry, sources);

  const on = {
    "run:finished": (s: GoldwatchEvents["run:finished"][0]) => {
      runs.inc({ job: s.job, status: s.status });
      cost.inc({ job: s.job }, s.costUsd);
      runDuration.observe({ job: s.job }, s.durationMs / 1000);
      if (s.accuracy) {
        accuracy.set({ job: s.job }, s.accuracy.estimate);
        accuracyLow.set({ job: s.job }, s.accuracy.low);
      }
    },
    "trial:finished": (t: GoldwatchEvents["trial:finished"][0]) => {
      trials.inc({ job: t.job, status: t.status });
      trialLatency.observe({ job: t.job }, t.latencyMs / 1000);
    },
    "slot:outcome": (o: GoldwatchEvents["slot:outcome"][0]) => {
      slots.inc({ job: o.job, outcome: o.outcome });
      if (o.outcome === "started") lag.observe({ job: o.job }, Math.max(0, o.lagMs) / 1000);
    },
    "store:retry": () => storeRetries.inc(),
  };
  events.on("run:finished", on["run:finished"]);
  events.on("trial:finished", on["trial:finished"]);
  events.on("slot:outcome", on["slot:outcome"]);
  events.on("store:retry", on["store:retry"]);
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    stop() {
      events.off("run:finished", on["run:finished"]);
      events.off("trial:finished", on["trial:finished"]);
      events.off("slot:outcome", on["slot:outcome"]);
      events.off("store:retry", on["store:retry"]);
    },
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
  return { runs, trials, accuracy, accuracyLow, cost, trialLatency, runDuration, slots, lag, storeRetries };
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
