import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Agent } from "../agents/types.ts";
import type { Clock } from "../clock.ts";
import type { GoldenSet } from "../load/golden.ts";
import type { JobConfig, JudgeConfig } from "../config/schema.ts";
import type { Redactor } from "../config/secrets.ts";
import type { Events } from "./events.ts";
import type { Logger } from "../log.ts";
import type { PriceTable } from "../pricing.ts";
import { startPeriodic } from "../periodic.ts";
import { createJudge, type JudgeService } from "../scoring/judge/service.ts";
import { retrying, type Db } from "../store/db.ts";
import { describeDbError, isTransientDbError } from "../store/errors.ts";
import { aggregateTrials, finishRun, heartbeatRun, insertRun, recentRunCosts, type NewRun, type RunStatus } from "../store/runs.ts";
import { insertTrials, trialWriters, type TrialRow } from "../store/trials.ts";
import { BatchWriter } from "./batch-writer.ts";
import { defaultRunBudget, RunBudget, runawayCheckAfter, RunawayWatch, type RunBudgetLimit } from "./budget.ts";
import { runPool } from "./pool.ts";
import { finishedRunRow } from "./run-row.ts";
import { flushOrSpill, stoppingDeadline, untilAborted, type Spill } from "./stopping.ts";
import { summarize, type PagingDesign, type RunSummary } from "./summary.ts";
import { runTrial, workItems, type TrialContext } from "./trial.ts";
import { TrialTally } from "./tally.ts";
import { isRunawayTrial } from "./trial-row.ts";

/** Services a run needs. */
export interface RunDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  secrets: Redactor;
  /** Identifies this process in run rows (host:pid). */
  replica: string;
  events?: Events;
  /** How often the run row proves this process alive (default 15 s); see server.heartbeat_timeout. */
  heartbeatMs?: number;
  /**
   * Where trials go that an aborted run (shutdown) cannot store because the database is
   * unreachable: after `spillAfterMs` (default 5 s) of trying, they are handed here (a local file,
   * stored later) instead of being lost with the process.
   */
  spill?: Spill;
  spillAfterMs?: number;
}

export interface RunRequest {
  jobName: string;
  job: JobConfig;
  agent: Agent;
  golden: GoldenSet;
  trigger: "schedule" | "manual" | "gate";
  slotAt?: Date;
  /** The LLM judge for `judge:` assertions; its verdicts are cached in the database. Its model is the run's judge model. */
  judge?: JudgeConfig;
  /** The config's `pricing:` map, for the judge's cost. */
  prices?: PriceTable;
  /** Replace personal data and secrets in stored outputs, steps and assertion reasons. */
  redactPii?: boolean;
  /**
   * Awaited before each trial starts (the gate pairs two runs trial by trial with it); the wait
   * is not part of the trial's budget or its recorded start.
   */
  beforeTrial?: (caseId: string, signal: AbortSignal) => Promise<void>;
  /**
   * The job's sudden-drop level, so the summary states its power at the threshold that pages;
   * asked for when the summary is made (it walks the schedule: not on the way to the first trial).
   */
  paging?: () => PagingDesign;
  /** Aborting stops new trials and cancels those in flight; the run is stored as aborted. */
  signal?: AbortSignal;
  /**
   * A second shutdown signal: trials the database has not taken within half a second go to
   * `spill`, instead of after `spillAfterMs`.
   */
  hurry?: AbortSignal;
  runId?: string;
}

/** The engine's services and a job's run request, but for the trigger: what replaying a job against one agent takes. */
export interface ReplayInputs {
  deps: RunDeps;
  request: Omit<RunRequest, "trigger">;
}

const HEARTBEAT_MS = 15_000;
const SPILL_AFTER_MS = 5_000;
// After a second signal: half a second for the database (a healthy one answers in milliseconds),
// then the trials go to disk.
const HURRIED_MS = 500;

/** How the trials went: the run's status so far, why it failed, how many trials started. */
interface Outcome {
  status: RunStatus;
  failure?: string;
  started: number;
}

/** One run under way: what its phases share. */
interface ActiveRun {
  deps: RunDeps;
  req: RunRequest;
  runId: string;
  startedAt: Date;
  signal: AbortSignal;
  total: number;
  log: Logger;
  retry: (what: string, signal?: AbortSignal) => RetryOptions;
  writer: BatchWriter<TrialRow>;
  /** The run's aggregates, counted as trials finish. */
  tally: TrialTally;
}

/** What the run may spend, and who watches it. */
interface Spending {
  judge: JudgeService | undefined;
  limit: RunBudgetLimit | undefined;
  runBudget: RunBudget;
  watch: RunawayWatch;
}

/**
 * Replays a golden set against an agent: every case × repeat with bounded concurrency, each trial
 * scored and streamed to the database in batches; then the run row gets its aggregates. Expected
 * failures (agent errors) are data; the run is stored whatever happens.
 */
export async function executeRun(deps: RunDeps, req: RunRequest): Promise<RunSummary> {
  const { db, clock, secrets } = deps;
  const run = await startRun(deps, req);
  // Fire and forget: a heartbeat stuck on one dead connection must not hold back the next.
  const heartbeat = startPeriodic("heartbeat", clock, deps.heartbeatMs ?? HEARTBEAT_MS, async () => {
    heartbeatRun(db, run.runId, clock.now()).catch((e: Error) => run.log.warn({ err: describeDbError(e, secrets) }, "heartbeat failed"));
  });
  let spending: Spending;
  let outcome: Outcome;
  try {
    const judge = req.judge
      ? createJudge(req.judge, { db, clock, secrets, log: run.log, ...(req.prices ? { prices: req.prices } : {}) })
      : undefined;
    // budget.run.usd, else a default from the job's completed runs (3 × their median cost per trial).
    const configured = req.job.budget.run.usd;
    const limit: RunBudgetLimit | undefined =
      configured !== undefined
        ? { usd: configured, source: "config" }
        : defaultRunBudget(
            await retrying(() => recentRunCosts(db, { job: req.jobName, agent: req.agent.name }), run.retry("reading the baseline's cost")),
            run.total,
          );
    spending = {
      judge,
      limit,
      runBudget: new RunBudget(limit?.usd, () => judge?.stats().costUsd ?? 0),
      // Stops starting trials once the first ones evidently ran away (src/engine/budget.ts).
      watch: new RunawayWatch(runawayCheckAfter(run.total, req.job.concurrency)),
    };
    outcome = await replayTrials(run, spending);
  } finally {
    await heartbeat.stop();
  }
  return storeResult(run, outcome, spending);
}

/** Stores the run's row (state `running`) and announces the run. */
async function startRun(deps: RunDeps, req: RunRequest): Promise<ActiveRun> {
  const runId = req.runId ?? randomUUID();
  const startedAt = deps.clock.now();
  const signal = req.signal ?? new AbortController().signal;
  // Every trial in flight listens on the run's signal: as many listeners as the concurrency,
  // which is by design, not the leak Node's default limit of 10 warns about.
  setMaxListeners(0, signal);
  const cases = req.golden.cases;
  const total = cases.length * req.job.repeats;
  const log = deps.log.child({ runId, job: req.jobName });
  const retry = dbRetryOptions(deps, log);
  // Run rows are written through database outages (retried, idempotent): a run whose row is lost
  // would leave its trials orphaned and its slot claimed forever.
  await retrying(() => insertRun(deps.db, startedRow(deps, req, runId, startedAt)), retry("storing the run", signal));
  deps.events?.emit("run:started", { runId, job: req.jobName, total });
  log.info({ agent: req.agent.name, cases: cases.length, repeats: req.job.repeats, golden: req.golden.hash.slice(0, 12) }, "run started");
  return { deps, req, runId, startedAt, signal, total, log, retry, writer: trialWriter(deps, log, signal), tally: new TrialTally() };
}

/** Runs the trials, each stored as it finishes, until all ran, the run is stopped, or it fails. */
async function replayTrials(run: ActiveRun, { judge, runBudget, watch }: Spending): Promise<Outcome> {
  const { deps, req, runId, signal, total } = run;
  const ctx: TrialContext = {
    runId,
    agent: req.agent,
    bounds: req.job.budget.trial,
    clock: deps.clock,
    secrets: deps.secrets,
    judge,
    redactPii: req.redactPii ?? false,
    signal,
    beforeTrial: req.beforeTrial,
  };
  const outcome: Outcome = { status: "completed", started: 0 };
  try {
    await runPool(
      workItems(req.golden.cases, req.job.repeats),
      req.job.concurrency,
      async (item) => {
        outcome.started++;
        const row = await runTrial(ctx, item);
        runBudget.add(row.costUsd);
        watch.record({ runaway: isRunawayTrial(row), passed: row.passed });
        // Stored before it is announced: a listener's fault must not lose a completed trial. Counted
        // as it is handed to the writer, so the tally holds exactly the rows given to be stored.
        run.tally.add(row);
        const room = run.writer.offer(row);
        if (room) await room;
        deps.events?.emit("trial:finished", {
          runId,
          job: req.jobName,
          caseId: item.kase.id,
          status: row.status as never,
          latencyMs: row.latencyMs,
          costUsd: row.costUsd,
        });
      },
      // The run budget or runaway: trials in flight finish (each bounded by budget.trial), no new one
      // starts; until the first trials answered (none passing), no more than the rule needs start.
      { signal, stop: () => runBudget.exhausted || watch.evident, hold: () => watch.holding(outcome.started) },
    );
    if (signal.aborted) outcome.status = "aborted";
    else if (outcome.started < total && watch.evident) outcome.status = "runaway";
    else if (outcome.started < total && runBudget.exhausted) outcome.status = "budget_exhausted";
  } catch (e) {
    outcome.status = "failed";
    outcome.failure = describeDbError(e, deps.secrets);
    run.log.error({ err: outcome.failure }, "run failed");
  }
  return outcome;
}

/**
 * Stores what is left of the trials (or spills it, when the run is stopping and the database is
 * gone), then the run's aggregates and result on its row; returns the summary.
 */
async function storeResult(run: ActiveRun, outcome: Outcome, spending: Spending): Promise<RunSummary> {
  const { deps, req, runId, signal, writer } = run;
  const { db, clock, secrets } = deps;
  // Once the run is stopping, the database gets spillAfterMs more for the trials (then they go to
  // disk), and as long again for the run row (then the reaper finalizes it), less the time writes
  // were already stalled; a second signal cuts both waits to a moment. Bounded, so a shutdown
  // never outlasts its drain.
  const spillAfterMs = deps.spillAfterMs ?? SPILL_AFTER_MS;
  const stalledSince = () => writer.stalledSince;
  const spilling = stoppingDeadline(signal, req.hurry, clock, spillAfterMs, HURRIED_MS, stalledSince);
  const ending = stoppingDeadline(signal, req.hurry, clock, 2 * spillAfterMs, 2 * HURRIED_MS, stalledSince);
  let spilled = 0;
  let unstored = false;
  try {
    if (deps.spill) spilled = await flushOrSpill(writer, deps.spill, runId, spilling.signal, run.log);
    else await writer.flush();
  } catch (e) {
    unstored = true;
    outcome.status = "failed";
    outcome.failure ??= describeDbError(e, secrets);
    run.log.error({ err: outcome.failure }, "storing trials failed");
  } finally {
    spilling.dispose();
  }

  const finishedAt = clock.now();
  const finalWrite = <T>(what: string, op: () => Promise<T>): Promise<T> =>
    retrying(() => untilAborted(op(), ending.signal), run.retry(what, ending.signal)).catch((e: Error) => {
      ending.dispose();
      const kept = spilled > 0 ? `; its ${spilled} unstored trials are kept on disk and stored when it is back` : "";
      throw new Error(
        `run ${runId} stopped while the database was unreachable (${what} failed: ${describeDbError(e, secrets)})${kept}; the reaper marks the run aborted once the database answers`,
        { cause: e },
      );
    });
  // With every trial stored, the tally is what the stored trials add up to. Otherwise the run's row
  // describes what the database holds, so it counts them (and fails as before while it is down).
  const agg = spilled === 0 && !unstored ? run.tally.result() : await finalWrite("aggregating the run", () => aggregateTrials(db, runId));
  const order = new Map(req.golden.cases.map((c, i) => [c.id, i]));
  agg.cases.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const error = stopReason(outcome, { aborted: signal.aborted, total: run.total, ...spending });
  const summary = summarize(
    {
      runId,
      job: req.jobName,
      agent: req.agent.name,
      status: outcome.status,
      goldenName: req.golden.name,
      goldenHash: req.golden.hash,
      startedAt: run.startedAt,
      finishedAt,
      cases: req.golden.cases.length,
      repeats: req.job.repeats,
      judge: spending.judge?.stats(),
      paging: req.paging?.(),
      runBudget: spending.limit,
      ...(error !== undefined ? { error } : {}),
    },
    agg,
  );
  await finalWrite("storing the run's result", () => finishRun(db, runId, finishedRunRow(summary)));
  ending.dispose();
  deps.events?.emit("run:finished", summary);
  run.log.info(
    { status: outcome.status, accuracy: summary.accuracy?.estimate, trials: summary.trials, costUsd: summary.costUsd },
    "run finished",
  );
  return summary;
}

/** The run's row as it starts: what identifies it, who runs it, and state `running`. */
function startedRow(deps: RunDeps, req: RunRequest, runId: string, startedAt: Date): NewRun {
  return {
    id: runId,
    job: req.jobName,
    agent: req.agent.name,
    trigger: req.trigger,
    slotAt: req.slotAt ?? null,
    goldenName: req.golden.name,
    goldenHash: req.golden.hash,
    // The judge that scores the run, as its summary reports it: toRunRow (run-row.ts) reads the run alike.
    judgeModel: req.judge?.model ?? null,
    status: "running",
    replica: deps.replica,
    startedAt,
    heartbeatAt: startedAt,
    cases: req.golden.cases.length,
    repeats: req.job.repeats,
  };
}

type RetryOptions = Parameters<typeof retrying>[1];

/** Retry options for the run's own database writes: pauses on the clock, each failure logged and emitted. */
function dbRetryOptions(deps: RunDeps, runLog: Logger) {
  return (what: string, signal?: AbortSignal): RetryOptions => ({
    sleep: (ms: number, s?: AbortSignal) => deps.clock.sleep(ms, s),
    ...(signal ? { signal } : {}),
    onRetry: (error: Error, attempt: number) => {
      runLog.warn({ attempt, err: describeDbError(error, deps.secrets) }, `${what} failed; retrying`);
      deps.events?.emit("store:retry", { error, attempt });
    },
  });
}

/** Streams the run's trials to the database in batches, retried through outages. */
function trialWriter(deps: RunDeps, runLog: Logger, signal: AbortSignal): BatchWriter<TrialRow> {
  const { db } = deps;
  return new BatchWriter<TrialRow>({
    write: (rows) => insertTrials(db, rows),
    parallel: trialWriters(db),
    clock: deps.clock,
    isTransient: isTransientDbError,
    // An aborted run's trials must not wait behind a write that retries through an outage.
    signal,
    onRetry: (error, attempt, rows) => {
      runLog.warn({ attempt, rows, err: describeDbError(error, deps.secrets) }, "storing trials failed; retrying");
      deps.events?.emit("store:retry", { error, attempt });
    },
  });
}

/** Why a run ended before all its trials finished, for its summary; undefined when it did not. */
function stopReason(
  outcome: Outcome,
  run: { aborted: boolean; total: number; limit: RunBudgetLimit | undefined; runBudget: RunBudget; watch: RunawayWatch },
): string | undefined {
  const { status, started } = outcome;
  const { total, limit, runBudget, watch } = run;
  if (outcome.failure) return outcome.failure;
  if (run.aborted) return "aborted before all trials finished";
  if (status === "budget_exhausted") {
    const budget = limit?.source === "baseline" ? `$${limit.usd.toFixed(4)} (from the baseline)` : `$${runBudget.limitUsd}`;
    return `run budget of ${budget} reached ($${runBudget.spent.toFixed(4)} spent): ${started} of ${total} trials started`;
  }
  if (status === "runaway")
    return `stopped for runaway: ${watch.decidedAt!.runaway} of the first ${watch.decidedAt!.finished} trials hit a budget bound or looped, none passed ($${runBudget.spent.toFixed(4)} spent): ${started} of ${total} trials started`;
  return undefined;
}
