import { randomUUID } from "node:crypto";
import { clockTimeout, type Clock } from "../clock.ts";
import type { Events } from "../engine/events.ts";
import type { Logger } from "../log.ts";
import { retrying, type Db } from "../store/db.ts";
import { describeDbError } from "../store/errors.ts";
import { claimSlot, jobBusy, lastSlot, recordSlots, releaseClaim, settleSlot } from "../store/slots.ts";
import type { CronBackend } from "../cron/backend.ts";
import { slotsBetween, type Schedule } from "../cron/next.ts";
import { planDueSlots } from "./plan.ts";
import type { RunTracker } from "./tracker.ts";

/** One job as its lane sees it; replaced on config reload (applies from the next slot). */
export interface LaneJob {
  name: string;
  schedule: Schedule;
  graceMs: number;
  catchUp: number;
}

/** What a lane needs: narrow, so tests can run several replicas' lanes in one process. */
export interface LaneDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  events: Events;
  replica: string;
  backend: CronBackend;
  tracker: RunTracker;
  /** A run row older than this without a heartbeat belongs to a dead process. */
  heartbeatTimeoutMs: number;
  /** Runs the job for a claimed slot (app.ts runJob). */
  run(job: string, runId: string, slotAt: Date, signal: AbortSignal): Promise<unknown>;
  /** Aborts when the service stops claiming (SIGTERM). */
  stopping: AbortSignal;
}

// A new job does not backfill history: at most its latest slot within the grace window runs.
// After downtime, at most this many missed slots are recorded one by one (older ones are logged).
const MAX_RECORDED = 10_000;
// A database call that neither answers nor fails (a half-open connection) counts as failed after this.
const ATTEMPT_MS = 15_000;

/**
 * The per-job path from "a slot came" to "a run started", identical on every replica:
 * find the slots due since the last one any replica recorded, record the missed ones, claim the
 * rest insert-if-absent (the replica whose row lands runs the slot), skip a slot whose job is
 * still running anywhere, and start the run. Database errors are retried until the slot is
 * superseded or out of its grace window; nothing here throws into the scheduler.
 */
export class JobLane {
  #job: LaneJob;
  readonly #deps: LaneDeps;
  #queue: Promise<void> = Promise.resolve();
  #newest = 0;
  // Slots at or before this instant are not this lane's concern (set when the expression changes).
  #floor = Number.NEGATIVE_INFINITY;
  // Claims given up on during an outage: their insert may still land; released when the database is back.
  #abandoned: { slotAt: Date; runId: string }[] = [];

  constructor(deps: LaneDeps, job: LaneJob) {
    this.#deps = deps;
    this.#job = job;
  }

  get job(): LaneJob {
    return this.#job;
  }

  /**
   * Applies a reloaded job definition from the next slot on. With `since` (a changed expression),
   * slots of the new expression before that instant were never promised and are not recorded.
   */
  update(job: LaneJob, since?: Date): void {
    this.#job = job;
    if (since) this.#floor = since.getTime();
  }

  /** The scheduler's callback: the slot is the scheduled instant. */
  onSlot(slot: Date): Promise<void> {
    this.#newest = Math.max(this.#newest, slot.getTime());
    return this.#enqueue(slot.getTime());
  }

  /** On start: run (or record as missed) what came due while no replica ran the job. */
  catchUp(now: Date): Promise<void> {
    return this.#enqueue(now.getTime());
  }

  /** Resolves when every queued slot has been handled (runs may still be going). */
  idle(): Promise<void> {
    return this.#queue;
  }

  // One slot at a time per lane: the plan for a slot depends on what the previous one recorded.
  #enqueue(upTo: number): Promise<void> {
    const next = this.#queue
      .then(() => this.#handle(upTo))
      .catch((e: Error) => this.#deps.log.error({ job: this.#job.name, err: describeDbError(e) }, "slot handling failed"));
    this.#queue = next;
    return next;
  }

  async #handle(upTo: number): Promise<void> {
    const { db, clock, stopping } = this.#deps;
    const job = this.#job;
    if (stopping.aborted) return;
    const last = await this.#db(upTo, "reading the last slot", () => lastSlot(db, job.name), true);
    if (last === undefined) return;
    await this.#releaseAbandoned();
    const now = clock.now().getTime();
    const from = Math.max(this.#floor, last === null ? upTo - job.graceMs - 1 : last.getTime());
    const found = slotsBetween(this.#deps.backend, job.schedule, from, upTo, MAX_RECORDED);
    // A job with no history does not backfill: only its newest slot may run.
    const due = last === null ? found.slots.slice(-1) : found.slots;
    const older = last === null ? 0 : found.older;
    if (older > 0)
      this.#deps.log.warn({ job: job.name, slots: older, since: last?.toISOString() }, "many slots missed; only the newest are recorded");
    const plan = planDueSlots(due, now, job.graceMs, job.catchUp);
    if (plan.missed.length > 0) {
      const reason = "no replica ran it in time (downtime or outage): older than the grace window, or superseded by a newer slot";
      const at = clock.now();
      const recorded = await this.#db(
        upTo,
        "recording missed slots",
        () =>
          recordSlots(
            db,
            plan.missed.map((s) => ({
              job: job.name,
              slotAt: new Date(s),
              status: "missed" as const,
              replica: this.#deps.replica,
              at,
              reason,
            })),
          ),
        true,
      );
      for (const slotAt of recorded ?? []) this.#emit("missed", slotAt.getTime(), { reason });
      if (recorded && recorded.length > 0)
        this.#deps.log.warn({ job: job.name, missed: recorded.length, first: recorded[0]!.toISOString() }, "slots missed");
    }
    if (plan.run.length === 0) return;
    const newest = plan.run[plan.run.length - 1]!;
    const caughtUp = plan.run.slice(0, -1);
    // Catch-up runs go one after another, in the background: slots that come meanwhile see the
    // job busy and are skipped, as any overlapping slot is.
    if (caughtUp.length > 0) {
      void (async () => {
        for (const slot of plan.run) {
          const started = await this.#claimAndStart(slot, upTo, false);
          await started?.done;
        }
      })();
      return;
    }
    await this.#claimAndStart(newest, upTo, true);
  }

  /**
   * Claims one slot and starts its run. Returns once the run started (not when it ends; `done`
   * settles then, never rejecting), or undefined when the slot did not start here.
   */
  async #claimAndStart(slot: number, upTo: number, live: boolean): Promise<{ done: Promise<void> } | undefined> {
    const { db, clock, tracker, stopping, log } = this.#deps;
    const job = this.#job;
    if (stopping.aborted || !tracker.accepting) return undefined;
    const slotAt = new Date(slot);
    const runId = randomUUID();
    const claimed = await this.#db(
      upTo,
      "claiming the slot",
      () => claimSlot(db, { job: job.name, slotAt, replica: this.#deps.replica, runId, at: clock.now() }),
      live,
    );
    if (claimed === undefined) {
      this.#abandoned.push({ slotAt, runId });
      return undefined;
    }
    // A claim that got through only after a newer slot came (an outage) does not run: the newer
    // slot does, and this one is recorded as missed.
    if (claimed && live && this.#newest > upTo) {
      this.#abandoned.push({ slotAt, runId });
      await this.#releaseAbandoned();
      this.#emit("missed", slot, { reason: "superseded by a newer slot while the database was unreachable" });
      return undefined;
    }
    if (!claimed) {
      this.#emit("taken", slot);
      return undefined;
    }
    const staleBefore = new Date(clock.now().getTime() - this.#deps.heartbeatTimeoutMs);
    const busy =
      tracker.busy(job.name) ||
      (await this.#db(
        upTo,
        "checking for a running run",
        () => jobBusy(db, job.name, { staleBefore, exceptRunId: runId, replica: this.#deps.replica }),
        false,
      ));
    if (busy !== false || stopping.aborted || !tracker.accepting) {
      const reason =
        busy === undefined
          ? "database unreachable at the slot"
          : busy
            ? "the previous run of this job was still going"
            : "the service is shutting down";
      await this.#settle(slotAt, "skipped", reason);
      this.#emit("skipped", slot, { reason });
      log.warn({ job: job.name, slot: slotAt.toISOString(), reason }, "slot skipped");
      return undefined;
    }
    const run = tracker.start(job.name, runId, (signal) => this.#deps.run(job.name, runId, slotAt, signal));
    this.#emit("started", slot, { runId });
    log.info({ job: job.name, slot: slotAt.toISOString(), runId, lagMs: clock.now().getTime() - slot }, "slot claimed; run started");
    const done = run.then(
      () => this.#settle(slotAt, "done"),
      async (e: Error) => {
        log.error({ job: job.name, runId, err: describeDbError(e) }, "scheduled run failed");
        // The message stays in the (redacted) log; rows get no text that could carry a secret.
        await this.#settle(slotAt, "done", `the run or what follows it failed; see the log for run ${runId}`);
      },
    );
    return { done };
  }

  async #releaseAbandoned(): Promise<void> {
    const { db, clock, log } = this.#deps;
    for (const claim of this.#abandoned.splice(0)) {
      const reason = "no replica ran it in time: its claim landed only after a database outage";
      await releaseClaim(db, { job: this.#job.name, ...claim, at: clock.now(), reason }).catch((e: Error) => {
        log.warn(
          { job: this.#job.name, slot: claim.slotAt.toISOString(), err: describeDbError(e) },
          "could not release an abandoned claim; the reaper will",
        );
      });
    }
  }

  async #settle(slotAt: Date, status: "done" | "skipped", reason?: string): Promise<void> {
    const { db, clock, log } = this.#deps;
    const deadline = clockTimeout(clock, this.#deps.heartbeatTimeoutMs);
    // Retried through an outage; a settle that never lands is repaired by the reaper.
    await retrying(
      () =>
        settleSlot(db, { job: this.#job.name, slotAt, status, at: clock.now(), reason: reason ?? null, clearRun: status === "skipped" }),
      {
        sleep: (ms, s) => clock.sleep(ms, s),
        signal: AbortSignal.any([this.#deps.stopping, deadline.signal]),
      },
    )
      .catch((e: Error) =>
        log.warn(
          { job: this.#job.name, slot: slotAt.toISOString(), err: describeDbError(e) },
          "could not settle the slot; the reaper will",
        ),
      )
      .finally(() => deadline.cancel());
  }

  /**
   * A database call retried through an outage while it still matters: until the service stops,
   * the slot leaves its grace window, or (`live`) a newer slot arrives, which will account for
   * this one. Undefined when it gave up.
   */
  async #db<T>(upTo: number, what: string, op: () => Promise<T>, live: boolean): Promise<T | undefined> {
    const { clock, log, stopping } = this.#deps;
    const giveUp = new AbortController();
    const onStop = () => giveUp.abort(stopping.reason);
    stopping.addEventListener("abort", onStop, { once: true });
    try {
      const attempt = () =>
        new Promise<T>((resolve, reject) => {
          if (live && this.#newest > upTo) {
            giveUp.abort(new Error("superseded by a newer slot"));
            return reject(giveUp.signal.reason);
          }
          const done = new AbortController();
          clock.sleep(ATTEMPT_MS, done.signal).then(
            () => reject(new Error(`no answer within ${ATTEMPT_MS / 1000} s`)),
            () => {},
          );
          op().then(
            (v) => (done.abort(), resolve(v)),
            (e: unknown) => (done.abort(), reject(e)),
          );
        });
      return await retrying(attempt, {
        sleep: (ms, s) => clock.sleep(ms, s),
        signal: giveUp.signal,
        onRetry: (error, attempt) => {
          if ((live && this.#newest > upTo) || clock.now().getTime() - upTo > this.#job.graceMs)
            giveUp.abort(new Error("superseded or out of its grace window"));
          if (attempt === 1 || attempt % 10 === 0)
            log.warn({ job: this.#job.name, attempt, err: describeDbError(error) }, `${what} failed; retrying`);
        },
      });
    } catch (e) {
      log.warn({ job: this.#job.name, err: describeDbError(e) }, `${what} failed; giving up on this slot (the next one records it)`);
      return undefined;
    } finally {
      stopping.removeEventListener("abort", onStop);
    }
  }

  #emit(outcome: "started" | "taken" | "skipped" | "missed", slot: number, extra: { runId?: string; reason?: string } = {}): void {
    this.#deps.events.emit("slot:outcome", {
      job: this.#job.name,
      slotAt: new Date(slot),
      outcome,
      lagMs: this.#deps.clock.now().getTime() - slot,
      ...extra,
    });
  }
}
