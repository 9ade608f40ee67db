import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { createAgent } from "./agents/index.ts";
import { handleFindings, type AlertDeps } from "./alerts/index.ts";
import { systemClock, type Clock } from "./clock.ts";
import type { LoadedConfig } from "./load/load.ts";
import type { Secrets } from "./config/secrets.ts";
import { runDetectors } from "./detect/index.ts";
import type { Finding } from "./detect/types.ts";
import { pagingDesign, resolvePolicy } from "./detect/policy.ts";
import { executeRun, type RunDeps, type RunRequest } from "./engine/run.ts";
import type { RunSummary } from "./engine/summary.ts";
import { Events } from "./engine/events.ts";
import type { IngestDeps } from "./ingest/index.ts";
import type { Logger } from "./log.ts";
import type { DeliveryDeps } from "./notify/delivery.ts";
import type { RetentionDeps } from "./notify/outbox-retention.ts";
import type { Database } from "./store/db.ts";
import { spillDir, spillTrials } from "./store/spill.ts";
import type { SampleDeps } from "./shadow/record.ts";
import { ShadowInputError, type ShadowDeps } from "./shadow/run-shadow.ts";
import type { ScheduledShadowDeps } from "./shadow/scheduled.ts";

/** What every command shares: the loaded config, the open database and the services. */
export interface App {
  loaded: LoadedConfig;
  database: Database;
  log: Logger;
  clock: Clock;
  events: Events;
  replica: string;
  /** The process's one Secrets: the first config's, and a reload adds the new config's values to it. */
  secrets: Secrets;
}

export function createApp(loaded: LoadedConfig, database: Database, log: Logger, clock: Clock = systemClock): App {
  // host:pid:boot — in a container every start is pid 1, so a random part tells restarts apart.
  return {
    loaded,
    database,
    log,
    clock,
    events: new Events(),
    replica: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    secrets: loaded.secrets,
  };
}

export interface JobOutcome {
  summary: RunSummary;
  findings: Finding[];
}

/**
 * The engine's services and a job's run request with `agentName` as the agent: everything
 * executeRun needs but the trigger (runJob replays the job's own agent; the release gate replays
 * two agents on the same job).
 */
export function replayInputs(app: App, jobName: string, agentName: string): { deps: RunDeps; request: Omit<RunRequest, "trigger"> } {
  const { config, goldens, secrets } = app.loaded;
  const job = config.jobs[jobName];
  const golden = goldens.get(jobName);
  if (!job || !golden) {
    const known = Object.keys(config.jobs).join(", ") || "none";
    throw new Error(`unknown job "${jobName}" in ${app.loaded.file} (jobs defined: ${known})`);
  }
  const agentConfig = config.agents[agentName];
  if (!agentConfig) {
    const known = Object.keys(config.agents).join(", ") || "none";
    throw new Error(`unknown agent "${agentName}" in ${app.loaded.file} (agents defined: ${known})`);
  }
  const deps: RunDeps = {
    db: app.database.db,
    clock: app.clock,
    log: app.log,
    secrets,
    replica: app.replica,
    events: app.events,
    // Four heartbeats per timeout: one lost to a blip does not get a live run reaped.
    heartbeatMs: config.server.heartbeat_timeout / 4,
    spill: (runId, rows) => spillTrials(spillDir(app.loaded), runId, rows),
  };
  const request: Omit<RunRequest, "trigger"> = {
    jobName,
    job,
    agent: createAgent(agentName, agentConfig, { prices: config.pricing, redact: (text) => secrets.redact(text), clock: app.clock }),
    golden,
    ...(config.judge ? { judge: config.judge } : {}),
    prices: config.pricing,
    redactPii: job.redact_pii ?? config.redact_pii,
  };
  return { deps, request };
}

/** Runs one configured job now (scheduled or manual), then its detectors and notifications. */
export async function runJob(
  app: App,
  jobName: string,
  opts: { trigger: "schedule" | "manual"; slotAt?: Date; signal?: AbortSignal; hurry?: AbortSignal; runId?: string },
): Promise<JobOutcome> {
  const job = app.loaded.config.jobs[jobName];
  if (!job) {
    const known = Object.keys(app.loaded.config.jobs).join(", ") || "none";
    throw new Error(`unknown job "${jobName}" in ${app.loaded.file} (jobs defined: ${known})`);
  }
  const { deps, request } = replayInputs(app, jobName, job.agent);
  const summary = await executeRun(deps, {
    ...request,
    trigger: opts.trigger,
    ...(opts.slotAt ? { slotAt: opts.slotAt } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.hurry ? { hurry: opts.hurry } : {}),
    ...(opts.runId ? { runId: opts.runId } : {}),
    paging: () => pagingDesign(resolvePolicy(job, app.clock.now())),
  });
  // Data flows one way: run → detectors → alerts.
  const findings = await runDetectors(deps, { jobName, job, summary });
  await handleFindings(alertDeps(app), { jobName, job, summary, findings });
  return { summary, findings };
}

/** What every feature may take of the process: the database, time, the log, the events and the secrets. */
function processDeps(app: App) {
  return { db: app.database.db, clock: app.clock, log: app.log, events: app.events, secrets: app.secrets };
}

/** What alert decisions (and the alert routes) take, from the app; config through getters, so a reload applies. */
export function alertDeps(app: App): AlertDeps {
  return {
    ...processDeps(app),
    notify: () => app.loaded.config.notify,
    publicUrl: () => app.loaded.config.server.public_url,
  };
}

/** What alert delivery takes, from the app; `notify` through a getter, so a reload applies. */
export function deliveryDeps(app: App): DeliveryDeps {
  return {
    ...processDeps(app),
    replica: app.replica,
    notify: () => app.loaded.config.notify,
  };
}

/** What outbox retention takes, from the app; `retention.notifications` through a getter. */
export function retentionDeps(app: App): RetentionDeps {
  return {
    ...processDeps(app),
    retentionMs: () => app.loaded.config.retention.notifications,
  };
}

/** A shadow run's services from the app: config read at each call, so a reload applies. */
export function shadowDeps(app: App): ShadowDeps {
  const { db, clock, log, secrets } = processDeps(app);
  return {
    db,
    clock,
    log,
    secrets,
    get judge() {
      return app.loaded.config.judge;
    },
    get prices() {
      return app.loaded.config.pricing;
    },
    get redactPii() {
      return app.loaded.config.shadow.sampling.redact_pii;
    },
    agent(name) {
      const { config, file } = app.loaded;
      const cfg = config.agents[name];
      if (!cfg)
        throw new ShadowInputError(`unknown agent "${name}" (agents in ${file}: ${Object.keys(config.agents).join(", ") || "none"})`);
      return createAgent(name, cfg, { prices: config.pricing, redact: (text) => secrets.redact(text), clock });
    },
  };
}

/** What recording sampled inputs takes (POST /api/samples, the OTLP receiver's onInput, imports). */
export function sampleDeps(app: App): SampleDeps {
  return { db: app.database.db, clock: app.clock, log: app.log, sampling: () => app.loaded.config.shadow.sampling };
}

/** What a scheduled shadow run takes: the run's services, alert decisions, and the jobs as reloaded. */
export function scheduledShadowDeps(app: App): ScheduledShadowDeps {
  return { shadow: shadowDeps(app), alerts: alertDeps(app), jobs: () => app.loaded.config.shadow.jobs };
}

/** What the OTLP receiver takes, from the app; its config slice and the price overrides through getters. */
export function ingestDeps(app: App): IngestDeps {
  return { ...processDeps(app), config: () => app.loaded.config.ingest, prices: () => app.loaded.config.pricing };
}
