import { runJob, type App } from "./app.ts";
import { createScheduler, type ScheduledJob } from "./schedule/scheduler.ts";
import { sendJson, startHttpServer, type HttpServer } from "./server/http.ts";

/** The running service: scheduled jobs and the HTTP port. */
export interface Service {
  port: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * `goldwatch serve`: schedules every enabled job in-process and answers /healthz. A slot that
 * comes while the job's previous run is still going is skipped; a failing run is logged and
 * never stops the scheduler.
 */
export async function startService(app: App): Promise<Service> {
  const { config } = app.loaded;
  const scheduler = createScheduler();
  const running = new Map<string, Promise<unknown>>();
  const stopping = new AbortController();
  const jobs: ScheduledJob[] = [];

  for (const [name, job] of Object.entries(config.jobs)) {
    if (!job.enabled) continue;
    const handle = scheduler.schedule(job.schedule, job.timezone, async (slot) => {
      if (stopping.signal.aborted) return;
      if (running.has(name)) {
        app.log.warn({ job: name, slot: slot.toISOString() }, "previous run still going; slot skipped");
        return;
      }
      const run = runJob(app, name, { trigger: "schedule", slotAt: slot, signal: stopping.signal })
        .catch((e: Error) => app.log.error({ job: name, err: app.loaded.secrets.redact(e.message) }, "scheduled run failed"))
        .finally(() => running.delete(name));
      running.set(name, run);
      await run;
    });
    jobs.push(handle);
    app.log.info({ job: name, schedule: job.schedule, timezone: job.timezone, next: handle.nextRun()?.toISOString() }, "job scheduled");
  }

  let http: HttpServer;
  try {
    http = await startHttpServer(config.server.port, {
      "GET /healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
    });
  } catch (e) {
    for (const j of jobs) j.stop();
    throw new Error(`cannot listen on port ${config.server.port}: ${(e as Error).message}`, { cause: e });
  }
  app.log.info({ port: http.port, scheduler: scheduler.backend, jobs: jobs.length }, "goldwatch serving");

  const stop = async () => {
    for (const j of jobs) j.stop();
    stopping.abort(new Error("service stopping"));
    await Promise.allSettled(running.values());
    await http.stop();
  };
  return { port: http.port, stop, [Symbol.asyncDispose]: stop };
}
