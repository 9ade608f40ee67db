import { randomUUID } from "node:crypto";
import { startSpillReplay } from "./schedule/spill-replay.ts";
import { alertRoutes } from "./alerts/routes.ts";
import { firingAlertsByJob } from "./alerts/store.ts";
import { baselineRoutes } from "./detect/routes.ts";
import { alertDeps, deliveryDeps, ingestDeps, retentionDeps, runJob, sampleDeps, scheduledShadowDeps, type App } from "./app.ts";
import { startIngest, type Ingest } from "./ingest/index.ts";
import type { LoadedConfig } from "./load/load.ts";
import { loadConfig } from "./load/load.ts";
import { watchConfig, type ConfigWatcher } from "./load/watch.ts";
import type { Clock } from "./clock.ts";
import { createMetrics } from "./metrics.ts";
import { startAlertDelivery } from "./notify/delivery.ts";
import { startOutboxRetention } from "./notify/outbox-retention.ts";
import { outboxBacklog } from "./notify/store.ts";
import { dashboardRoutes } from "./report/routes.ts";
import { runPageRoutes } from "./report/run-routes.ts";
import { shadowRoutes } from "./report/shadow-chart.ts";
import { defaultBackend, type CronBackend } from "./cron/backend.ts";
import { startJobs, type JobScheduler, type JobSchedulerDeps } from "./schedule/jobs.ts";
import { startMissedRunsWorker } from "./schedule/missed-runs-worker.ts";
import { startSpendWatch } from "./spend-watch/worker.ts";
import type { Worker } from "./periodic.ts";
import { startReaper } from "./schedule/reaper.ts";
import { RunTracker } from "./schedule/tracker.ts";
import { coreRoutes, type TriggerResult } from "./server/core-routes.ts";
import { startHttpServer, type HttpServer, type Routes } from "./server/http.ts";
import { describeDbError } from "./store/errors.ts";
import { startPartitionMaintenance } from "./store/partitions.ts";
import { jobBusy } from "./store/slots.ts";
import { otlpSampleHook } from "./shadow/record.ts";
import { sampleRoutes } from "./shadow/routes.ts";
import { runScheduledShadow, SCHEDULE_PREFIX, scheduledShadowJobs } from "./shadow/scheduled.ts";
import { spillDir } from "./store/spill.ts";

/** The running service: scheduled jobs, background workers and the HTTP port. */
export interface Service {
  port: number;
  /** The job scheduler (reload, tests). */
  jobs: JobScheduler;
  /** Reloads the config and golden sets now (SIGHUP); the last good config stays if invalid. */
  reload(reason?: string): Promise<LoadedConfig | undefined>;
  /**
   * Stops claiming slots, lets running runs finish within `server.shutdown_grace`, aborts and
   * records the rest, then closes the port. Never throws.
   */
  stop(): Promise<void>;
  /** A second SIGTERM: abort running runs now; what they cannot store at once is spilled to disk. */
  abortRuns(): void;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ServiceOptions {
  /** Environment for GOLDWATCH_API_TOKEN (default process.env). */
  env?: Record<string, string | undefined>;
  /** Cron engine (default: Bun.cron on Bun, croner elsewhere). */
  backend?: CronBackend;
  /** Watch the config files for changes (default true). */
  watch?: boolean;
  /** Reads the config again on reload (default loadConfig with the same environment). */
  load?: (file: string) => Promise<LoadedConfig>;
}

// How long /readyz waits for the database before it says "unreachable".
const PING_TIMEOUT_MS = 2_000;
// After shutdown_grace has run out and runs were aborted, how long their final writes may take:
// longer than an aborted run waits on the database (5 s for its trials, then they are spilled to
// disk; 10 s for its run row, then it is left to the reaper), so no trial is lost to the drain.
const ABORT_WRITE_MS = 15_000;
// How long each background worker may take to stop at shutdown.
const WORKER_STOP_MS = 3_000;
// How long the start waits for the first partition maintenance pass before scheduling jobs.
const FIRST_PASS_MS = 15_000;

/** `p`, or a rejection once `ms` have passed on `clock` without an answer. */
async function withTimeout<T>(clock: Clock, p: Promise<T>, ms: number): Promise<T> {
  const done = new AbortController();
  const timeout = clock.sleep(ms, done.signal).then(
    () => Promise.reject(new Error(`no answer within ${ms} ms`)),
    () => new Promise<never>(() => {}),
  );
  try {
    return await Promise.race([p, timeout]);
  } finally {
    done.abort();
  }
}

/**
 * `goldwatch serve`: every enabled job on its schedule (each slot claimed in Postgres, so many
 * replicas run it once), the reaper for runs of dead replicas, config reload, and HTTP (probes,
 * metrics, manual trigger). Faults in any part are logged and never stop the process.
 */
export async function startService(app: App, opts: ServiceOptions = {}): Promise<Service> {
  const env = opts.env ?? process.env;
  const { apiToken, readTokens } = serviceTokens(app, env);
  const server = app.loaded.config.server;
  const tracker = new RunTracker();
  const backend = opts.backend ?? defaultBackend();
  const log = app.log;
  let stopping = false;
  // A second shutdown signal: runs keep what the database does not take within half a second on
  // disk instead of waiting for it (see executeRun).
  const hurry = new AbortController();

  const isStopping = () => stopping;
  const readiness = readinessCheck(app, isStopping);
  const ingest = startServiceIngest(app, env);
  const metrics = createMetrics(app.events, {
    activeRuns: () => tracker.size,
    scheduledJobs: () => jobs.size,
    // Unreadable (outage): no gauge, and the scrape does not wait on a database that does not answer.
    alertsFiring: () => withTimeout(app.clock, firingAlertsByJob(app.database.db), PING_TIMEOUT_MS),
    readiness,
    outbox: () => withTimeout(app.clock, outboxBacklog(app.database.db, app.clock.now()), PING_TIMEOUT_MS),
    ...(env.GOLDWATCH_INGEST_TOKEN ? { ingestPending: () => ingest.worker.pending } : {}),
  });

  const routes = serviceRoutes(app, {
    readiness,
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
    trigger: manualTrigger(app, { tracker, hurry: hurry.signal, isStopping }),
    apiToken,
    ingest: ingest.routes,
  });

  let http: HttpServer;
  try {
    http = await startHttpServer({ port: server.port, ...(server.host ? { host: server.host } : {}), routes, log: app.log, readTokens });
  } catch (e) {
    metrics.stop();
    throw new Error(`cannot listen on port ${server.port}: ${(e as Error).message}`, { cause: e });
  }

  // Background workers: started here, stopped in reverse once runs have drained (so what the last
  // runs produce is still handled).
  const workers = await startWorkers(app, tracker, ingest.worker);

  // Intake: the scheduler and config reload; stopped first on shutdown.
  const schedulerDeps = {
    db: app.database.db,
    clock: app.clock,
    log,
    events: app.events,
    replica: app.replica,
    backend,
    tracker,
    heartbeatTimeoutMs: server.heartbeat_timeout,
  };
  const jobs = startJobs(
    {
      ...schedulerDeps,
      run: (job, runId, slotAt, signal) => runJob(app, job, { trigger: "schedule", slotAt, runId, signal, hurry: hurry.signal }),
    },
    app.loaded.config,
  );
  const shadowJobs = startShadowJobs(app, schedulerDeps);
  const load = opts.load ?? ((file: string) => loadConfig(file, { env }));
  const watcher: ConfigWatcher = watchConfig({
    current: () => app.loaded,
    load,
    apply: (next) => {
      applyReload(app, next);
      jobs.apply(next.config);
      shadowJobs.apply(scheduledShadowJobs(next.config.shadow.jobs));
    },
    log,
    watchFiles: opts.watch !== false,
  });

  app.log.info({ port: http.port, scheduler: jobs.backend, jobs: jobs.size, replica: app.replica }, "goldwatch serving");

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopping = true;
    return (stopped ??= shutdown(app, { watcher, jobs, shadowJobs, tracker, workers, metrics, http }));
  };
  return {
    port: http.port,
    jobs,
    reload: (reason = "requested") => watcher.reload(reason),
    stop,
    abortRuns: () => {
      tracker.abortAll("aborted: second shutdown signal");
      hurry.abort();
    },
    [Symbol.asyncDispose]: stop,
  };
}

/** Scheduled shadow jobs: the same lanes and slot claims as replay jobs, under their own names (shadow:<job>). */
function startShadowJobs(app: App, deps: Omit<JobSchedulerDeps, "run">): JobScheduler {
  return startJobs(
    {
      ...deps,
      run: (job, runId, slotAt, signal) =>
        runScheduledShadow(scheduledShadowDeps(app), job.slice(SCHEDULE_PREFIX.length), { runId, slotAt, signal }),
    },
    scheduledShadowJobs(app.loaded.config.shadow.jobs),
  );
}

/** The route tables, one line per area (alerts, dashboard, ... add theirs here). */
function serviceRoutes(app: App, core: Parameters<typeof coreRoutes>[0] & { apiToken: string | undefined; ingest: Routes }): Routes {
  return {
    ...coreRoutes(core),
    ...alertRoutes(alertDeps(app), { apiToken: core.apiToken }),
    ...baselineRoutes({
      db: () => app.database.db,
      clock: app.clock,
      jobs: () => Object.keys(app.loaded.config.jobs),
      apiToken: core.apiToken,
    }),
    ...dashboardRoutes(app),
    ...runPageRoutes({ database: app.database, goldens: () => app.loaded.goldens, secrets: app.secrets }),
    ...sampleRoutes(sampleDeps(app), { apiToken: core.apiToken }),
    ...shadowRoutes(app),
    ...core.ingest,
  };
}

/** `POST /api/jobs/:job/run`: starts a manual run unless the job is unknown, running anywhere, or the service stops. */
function manualTrigger(
  app: App,
  ctx: { tracker: RunTracker; hurry: AbortSignal; isStopping: () => boolean },
): (job: string) => Promise<TriggerResult> {
  const { tracker } = ctx;
  return async (job) => {
    if (!app.loaded.config.jobs[job]) return { ok: false, reason: "unknown-job", known: Object.keys(app.loaded.config.jobs) };
    if (ctx.isStopping() || !tracker.accepting) return { ok: false, reason: "stopping" };
    const staleBefore = new Date(app.clock.now().getTime() - app.loaded.config.server.heartbeat_timeout);
    let busy: boolean;
    try {
      busy = tracker.busy(job) || (await withTimeout(app.clock, jobBusy(app.database.db, job, { staleBefore }), PING_TIMEOUT_MS));
    } catch {
      return { ok: false, reason: "database" };
    }
    if (busy) return { ok: false, reason: "busy" };
    const runId = randomUUID();
    tracker
      .start(job, runId, (signal) => runJob(app, job, { trigger: "manual", runId, signal, hurry: ctx.hurry }))
      .catch((e: Error) => app.log.error({ job, runId, err: describeDbError(e, app.secrets) }, "manual run failed"));
    app.log.info({ job, runId }, "manual run started");
    return { ok: true, runId };
  };
}

/** `/readyz`: the database answers within PING_TIMEOUT_MS and the scheduler is not stopping. */
function readinessCheck(app: App, isStopping: () => boolean): () => Promise<Record<string, string>> {
  return async () => {
    let database = "ok";
    try {
      await withTimeout(app.clock, app.database.ping(), PING_TIMEOUT_MS);
    } catch (e) {
      database = `unreachable: ${describeDbError(e, app.secrets)}`;
    }
    return { database, scheduler: isStopping() ? "stopping" : "ok" };
  };
}

/**
 * The API token (POST routes) and the tokens a GET needs, both registered as secrets. With a read
 * token, every GET but the probes needs it or the API token: see docs/security.md.
 */
function serviceTokens(app: App, env: Record<string, string | undefined>): { apiToken: string | undefined; readTokens: string[] } {
  const apiToken = env.GOLDWATCH_API_TOKEN || undefined;
  if (apiToken) app.loaded.secrets.add(apiToken);
  const readToken = env.GOLDWATCH_READ_TOKEN || undefined;
  if (readToken) app.loaded.secrets.add(readToken);
  return { apiToken, readTokens: readToken ? [readToken, ...(apiToken ? [apiToken] : [])] : [] };
}

/** OTLP spend ingest (POST /v1/traces): off (404) without GOLDWATCH_INGEST_TOKEN, a secret once set. */
function startServiceIngest(app: App, env: Record<string, string | undefined>): Ingest {
  const token = env.GOLDWATCH_INGEST_TOKEN || undefined;
  if (token) app.loaded.secrets.add(token);
  // Production inputs become shadow samples while a shadow job exists to replay them.
  const onInput = otlpSampleHook(sampleDeps(app), { active: () => Object.keys(app.loaded.config.shadow.jobs).length > 0 });
  return startIngest({ ...ingestDeps(app), token, onInput });
}

/** The background workers, in start order (stopped in reverse), once the first partition pass is done. */
async function startWorkers(app: App, tracker: RunTracker, ingest: Worker): Promise<Worker[]> {
  const { db } = app.database;
  const workers: Worker[] = [
    startReaper({ db, clock: app.clock, log: app.log, tracker, timeoutMs: app.loaded.config.server.heartbeat_timeout }),
    startAlertDelivery(deliveryDeps(app)),
    // Missed runs: checked every minute, since a run that never happens cannot report itself.
    startMissedRunsWorker({ alerts: alertDeps(app), jobs: () => app.loaded.config.jobs }),
    // Production spend: every active agent against its seasonal baseline and cap (check_interval, 30s).
    startSpendWatch({ alerts: alertDeps(app), config: () => app.loaded.config.production_spend }),
    // Delivered notifications past retention.notifications leave the outbox, hourly.
    startOutboxRetention(retentionDeps(app)),
    // Trials an earlier shutdown could not store (database down) are stored from disk.
    startSpillReplay({ db, clock: app.clock, log: app.log, secrets: app.secrets, dir: () => spillDir(app.loaded) }),
  ];
  // Trial partitions: created ahead and dropped past retention, now and daily.
  const partitions = startPartitionMaintenance({ db, clock: app.clock, log: app.log }, () => ({
    retentionMs: app.loaded.config.retention.trials,
  }));
  workers.push(partitions);
  // The first runs wait for the first pass: on a fresh database this month has no partition, so a
  // run's trials route to trials_default, and the pass's ATTACH of this month then fails that
  // insert ("violates partition constraint"). Bounded: a database that does not answer must not hold the start.
  await withTimeout(app.clock, partitions.firstPass, FIRST_PASS_MS).catch(() => {});
  // Last, so stopped first: it refuses new spans (503) and writes what it holds before the port closes.
  workers.push(ingest);
  return workers;
}

/** Makes a reloaded config the app's (the scheduler applies its part). */
function applyReload(app: App, next: LoadedConfig): void {
  const before = app.loaded.config;
  if (next.config.database !== before.database || next.config.server.port !== before.server.port) {
    app.log.warn({}, "database and server.port changes take effect after a restart");
  }
  // One Secrets for the life of the process (the logger holds it): the reload's values are added
  // to it, and a value that was secret stays redacted.
  app.secrets.addAll(next.secrets);
  next.secrets = app.secrets;
  app.loaded = next;
}

/**
 * Stops claiming first (scheduler and watcher), then drains runs within `server.shutdown_grace`,
 * then the workers in reverse, then metrics and HTTP. Never throws.
 */
async function shutdown(
  app: App,
  parts: {
    watcher: ConfigWatcher;
    jobs: JobScheduler;
    shadowJobs: JobScheduler;
    tracker: RunTracker;
    workers: Worker[];
    metrics: { stop(): void };
    http: HttpServer;
  },
): Promise<void> {
  const { tracker } = parts;
  const server = app.loaded.config.server;
  app.log.info({ runs: tracker.size, graceMs: server.shutdown_grace }, "stopping: no new slots; waiting for runs");
  await parts.watcher.stop().catch(() => {});
  await parts.jobs.stop().catch(() => {});
  await parts.shadowJobs.stop().catch(() => {});
  const drained = await tracker.drain(app.clock, server.shutdown_grace, ABORT_WRITE_MS);
  if (drained.aborted > 0) app.log.warn(drained, "runs aborted at shutdown");
  if (drained.unfinished > 0)
    app.log.error(drained, "runs could not record their end (database unreachable?); another replica will mark them aborted");
  for (const w of [...parts.workers].reverse()) {
    // Bounded: a pass stuck on an unreachable database must not hold the exit (its work is
    // durable in the database and picked up by the next start or another replica).
    await withTimeout(app.clock, w.stop(), WORKER_STOP_MS).catch((e: Error) =>
      app.log.warn({ worker: w.name, err: describeDbError(e) }, "worker stop failed"),
    );
  }
  parts.metrics.stop();
  await parts.http.stop();
  app.log.info({}, "stopped");
}
