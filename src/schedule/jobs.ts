import type { Clock } from "../clock.ts";
import type { Config } from "../config/schema.ts";
import type { Events } from "../engine/events.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import type { CronBackend } from "../cron/backend.ts";
import { parseExpression } from "../cron/expression.ts";
import { JobLane, type LaneJob } from "./lane.ts";
import { createScheduler, type ScheduledJob } from "./scheduler.ts";
import type { RunTracker } from "./tracker.ts";

/** What the job scheduler needs. */
export interface JobSchedulerDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  events: Events;
  replica: string;
  backend: CronBackend;
  tracker: RunTracker;
  heartbeatTimeoutMs: number;
  run(job: string, runId: string, slotAt: Date, signal: AbortSignal): Promise<unknown>;
}

/** What the scheduler reads of a job: replay jobs (`jobs:`) and scheduled shadow jobs alike. */
export type ScheduleSpec = Pick<Config["jobs"][string], "schedule" | "timezone" | "grace" | "catch_up" | "enabled">;
/** The job table the scheduler runs: the config itself, or a table made for another kind of job. */
export interface ScheduleTable {
  jobs: Record<string, ScheduleSpec>;
}

/** Every enabled job on its schedule, with reload and shutdown. */
export interface JobScheduler {
  readonly name: "scheduler";
  readonly backend: CronBackend["name"];
  /** Jobs scheduled now (0 once stopping). */
  readonly size: number;
  /** Applies a reloaded config: new jobs start, removed ones stop, changed ones use the change from their next slot. */
  apply(config: ScheduleTable): void;
  /** Resolves when the slots fired so far have been handled (tests). */
  idle(): Promise<void>;
  /** Stops claiming and scheduling; runs going are left to the tracker's drain. */
  stop(): Promise<void>;
  /** The lane of a job (tests, the manual trigger). */
  lane(job: string): JobLane | undefined;
}

function laneJob(name: string, job: ScheduleSpec): LaneJob {
  const expr = parseExpression(job.schedule);
  // Validated at load; reaching this is a bug, not bad input.
  if (typeof expr === "string") throw new Error(`job ${name}: ${expr}`);
  return { name, schedule: { expr, timezone: job.timezone }, graceMs: job.grace, catchUp: job.catch_up };
}

/**
 * Starts every enabled job: first its catch-up (slots due while no replica ran it), then a
 * timer per job. Each slot goes through the job's lane (claim in Postgres, then run).
 */
export function startJobs(deps: JobSchedulerDeps, config: ScheduleTable): JobScheduler {
  const stopping = new AbortController();
  const lanes = new Map<string, { lane: JobLane; handle: ScheduledJob }>();
  const log = deps.log;
  const scheduler = createScheduler({
    clock: deps.clock,
    backend: deps.backend,
    log,
  });
  const laneDeps = {
    db: deps.db,
    clock: deps.clock,
    log,
    events: deps.events,
    replica: deps.replica,
    backend: deps.backend,
    tracker: deps.tracker,
    heartbeatTimeoutMs: deps.heartbeatTimeoutMs,
    run: deps.run,
    stopping: stopping.signal,
  };

  const add = (name: string, job: LaneJob, catchUp: boolean) => {
    const lane = new JobLane(laneDeps, job);
    const from = deps.clock.now();
    // Slots up to `from` are the catch-up's, slots after it the timer's: none is handled twice.
    if (catchUp) void lane.catchUp(from);
    const handle = scheduler.schedule(name, job.schedule, (slot) => lane.onSlot(slot), from);
    lanes.set(name, { lane, handle });
    log.info(
      {
        job: name,
        schedule: job.schedule.expr.fields,
        timezone: job.schedule.timezone,
        next: handle.nextRun()?.toISOString(),
        backend: scheduler.backend,
      },
      "job scheduled",
    );
  };
  const remove = (name: string) => {
    lanes.get(name)?.handle.stop();
    lanes.delete(name);
    log.info({ job: name }, "job unscheduled");
  };

  for (const [name, job] of Object.entries(config.jobs)) if (job.enabled) add(name, laneJob(name, job), true);

  return {
    name: "scheduler",
    backend: scheduler.backend,
    get size() {
      return stopping.signal.aborted ? 0 : lanes.size;
    },
    apply(next) {
      if (stopping.signal.aborted) return;
      for (const name of [...lanes.keys()]) if (!next.jobs[name]?.enabled) remove(name);
      for (const [name, job] of Object.entries(next.jobs)) {
        if (!job.enabled) continue;
        const updated = laneJob(name, job);
        const current = lanes.get(name);
        if (!current) {
          add(name, updated, true);
          continue;
        }
        const old = current.lane.job.schedule;
        if (old.expr.fields !== updated.schedule.expr.fields || old.timezone !== updated.schedule.timezone) {
          // A new expression starts from now: its slots before now were never promised.
          const since = deps.clock.now();
          current.handle.stop();
          current.lane.update(updated, since);
          const handle = scheduler.schedule(name, updated.schedule, (slot) => current.lane.onSlot(slot), since);
          lanes.set(name, { lane: current.lane, handle });
          log.info(
            {
              job: name,
              schedule: updated.schedule.expr.fields,
              timezone: updated.schedule.timezone,
              next: handle.nextRun()?.toISOString(),
            },
            "job rescheduled",
          );
        } else current.lane.update(updated);
      }
    },
    async idle() {
      await Promise.all([...lanes.values()].map((l) => l.lane.idle()));
    },
    async stop() {
      stopping.abort(new Error("service stopping"));
      for (const { handle } of lanes.values()) handle.stop();
      await Promise.all([...lanes.values()].map((l) => l.lane.idle()));
    },
    lane: (job) => lanes.get(job)?.lane,
  };
}
