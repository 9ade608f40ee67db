import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Agent, Observation } from "../agents/types.ts";
import type { Clock } from "../clock.ts";
import { assertionsOf, type GoldenCase, type GoldenSet } from "../load/golden.ts";
import type { JobConfig, JudgeConfig } from "../config/schema.ts";
import type { Secrets } from "../config/secrets.ts";
import type { Events } from "./events.ts";
import type { Logger } from "../log.ts";
import type { PriceTable } from "../pricing.ts";
import { createJudge, type JudgeService } from "../scoring/judge/service.ts";
import { redactPiiDeep } from "../scoring/pii.ts";
import { scoreTrial } from "../scoring/score.ts";
import { retrying, type Db } from "../store/db.ts";
import { aggregateTrials, finishRun, heartbeatRun, insertRun, recentRunCosts, type RunStatus } from "../store/runs.ts";
import { describeDbError, isTransientDbError } from "../store/errors.ts";
import { insertTrials, trialWriters, type TrialRow } from "../store/trials.ts";
import { BatchWriter } from "./batch-writer.ts";
import { callWithBudget, defaultRunBudget, RunBudget, runawayCheckAfter, RunawayWatch, type RunBudgetLimit } from "./budget.ts";
import { runPool } from "./pool.ts";
import { summarize, type PagingDesign, type RunSummary } from "./summary.ts";

/** Services a run needs. */
export interface RunDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  secrets: Secrets;
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
  spill?: (runId: string, rows: TrialRow[]) => Promise<string>;
  spillAfterMs?: number;
}

export interface RunRequest {
  jobName: string;
  job: JobConfig;
  agent: Agent;
  golden: GoldenSet;
  trigger: "schedule" | "manual" | "gate";
  slotAt?: Date;
  judgeModel?: string;
  /** The LLM judge for `judge:` assertions; its verdicts are cached in the database. */
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
  /** The job's sudden-drop level, so the summary states its power at the threshold that pages. */
  paging?: PagingDesign;
  /** Aborting stops new trials and cancels those in flight; the run is stored as aborted. */
  signal?: AbortSignal;
  /**
   * A second shutdown signal: trials the database has not taken within half a second go to
   * `spill`, instead of after `spillAfterMs`.
   */
  hurry?: AbortSignal;
  runId?: string;
}

/** Stored outputs are capped; a 50 MB reply must not become a 50 MB row. */
const MAX_STORED_OUTPUT = 32 * 1024;
const HEARTBEAT_MS = 15_000;
const SPILL_AFTER_MS = 5_000;
// After a second signal: half a second for the database (a healthy one answers in milliseconds),
// then the trials go to disk.
const HURRIED_MS = 500;

/**
 * A signal that aborts `afterMs` after `signal` does, or `hurriedMs` after `hurry` does if that
 * comes first: how long a stopping run may still wait on the database before it keeps its trials
 * on disk and leaves its run row to the reaper. Time the writes have already been stalled counts
 * (`stalledSince`): a database down since before the shutdown gets no second wait, so the spill
 * happens before an orchestrator's kill (Kubernetes: 30 s after SIGTERM). `dispose` stops the timers.
 */
function stoppingDeadline(
  signal: AbortSignal,
  hurry: AbortSignal | undefined,
  clock: Clock,
  afterMs: number,
  hurriedMs: number,
  stalledSince: () => Date | undefined,
) {
  const deadline = new AbortController();
  const done = new AbortController();
  const giveUp = () => deadline.abort(new Error("the run is stopping and the database did not answer in time"));
  const after = (ms: number) => () => {
    const since = stalledSince();
    const stalled = since ? clock.now().getTime() - since.getTime() : 0;
    clock.sleep(Math.max(0, ms - stalled), done.signal).then(giveUp, () => {});
  };
  const onAbort = after(afterMs);
  const onHurry = after(Math.min(afterMs, hurriedMs));
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true, signal: done.signal });
  if (hurry?.aborted) onHurry();
  else hurry?.addEventListener("abort", onHurry, { once: true, signal: done.signal });
  return { signal: deadline.signal, dispose: () => done.abort() };
}

/** `work`, or a rejection once `signal` aborts (a query queued behind a dead connection must not hold a stopping run). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A run's last writes: waits for the database as long as the run is not stopping; once it is
 * (abort, shutdown), at most until `deadline`, then hands what is still unwritten to `spill` (the
 * process is stopping and would lose it). Returns how many trials went to disk.
 */
async function flushOrSpill(
  writer: BatchWriter<TrialRow>,
  spill: NonNullable<RunDeps["spill"]>,
  runId: string,
  deadline: AbortSignal,
  log: Logger,
): Promise<number> {
  const flushed = writer.flush().then(() => true);
  const timedOut = new Promise<boolean>((resolve) => {
    if (deadline.aborted) resolve(false);
    deadline.addEventListener("abort", () => resolve(false), { once: true });
  });
  if (await Promise.race([flushed, timedOut])) return 0;
  flushed.catch(() => undefined); // abandoned below; its outcome no longer matters
  const rows = writer.abandon();
  if (rows.length === 0) return 0;
  const file = await spill(runId, rows);
  log.warn({ trials: rows.length, file }, "database unreachable at shutdown: trials kept on disk, stored when it is back");
  return rows.length;
}

interface WorkItem {
  kase: GoldenCase;
  repeat: number;
}

/** Repeat-major order: a run cut short still covers every case about equally. */
function* workItems(cases: readonly GoldenCase[], repeats: number): Generator<WorkItem> {
  for (let repeat = 0; repeat < repeats; repeat++) for (const kase of cases) yield { kase, repeat };
}

const cap = (s: string | null) =>
  s === null || s.length <= MAX_STORED_OUTPUT ? s : `${s.slice(0, MAX_STORED_OUTPUT)}…[truncated ${s.length - MAX_STORED_OUTPUT} chars]`;

/**
 * Replays a golden set against an agent: every case × repeat with bounded concurrency, each trial
 * scored and streamed to the database in batches; then the run row gets its aggregates. Expected
 * failures (agent errors) are data; the run is stored whatever happens.
 */
export async function executeRun(deps: RunDeps, req: RunRequest): Promise<RunSummary> {
  const { db, clock, log, secrets, events } = deps;
  const runId = req.runId ?? randomUUID();
  const startedAt = clock.now();
  const signal = req.signal ?? new AbortController().signal;
  // Every trial in flight listens on the run's signal: as many listeners as the concurrency,
  // which is by design, not the leak Node's default limit of 10 warns about.
  setMaxListeners(0, signal);
  const cases = req.golden.cases;
  const total = cases.length * req.job.repeats;
  const runLog = log.child({ runId, job: req.jobName });

  // Run rows are written through database outages (retried, idempotent): a run whose row is lost
  // would leave its trials orphaned and its slot claimed forever.
  const retryOpts = (what: string, signal?: AbortSignal) => ({
    sleep: (ms: number, s?: AbortSignal) => clock.sleep(ms, s),
    ...(signal ? { signal } : {}),
    onRetry: (error: Error, attempt: number) => {
      runLog.warn({ attempt, err: describeDbError(error, secrets) }, `${what} failed; retrying`);
      events?.emit("store:retry", { error, attempt });
    },
  });
  await retrying(
    () =>
      insertRun(db, {
        id: runId,
        job: req.jobName,
        agent: req.agent.name,
        trigger: req.trigger,
        slotAt: req.slotAt ?? null,
        goldenName: req.golden.name,
        goldenHash: req.golden.hash,
        judgeModel: req.judge?.model ?? req.judgeModel ?? null,
        status: "running",
        replica: deps.replica,
        startedAt,
        heartbeatAt: startedAt,
        cases: cases.length,
        repeats: req.job.repeats,
      }),
    retryOpts("storing the run", signal),
  );
  events?.emit("run:started", { runId, job: req.jobName, total });
  runLog.info(
    { agent: req.agent.name, cases: cases.length, repeats: req.job.repeats, golden: req.golden.hash.slice(0, 12) },
    "run started",
  );

  const writer = new BatchWriter<TrialRow>({
    write: (rows) => insertTrials(db, rows),
    parallel: trialWriters(db),
    clock,
    isTransient: isTransientDbError,
    // An aborted run's trials must not wait behind a write that retries through an outage.
    signal,
    onRetry: (error, attempt, rows) => {
      runLog.warn({ attempt, rows, err: describeDbError(error, secrets) }, "storing trials failed; retrying");
      events?.emit("store:retry", { error, attempt });
    },
  });
  const heartbeat = setInterval(() => {
    heartbeatRun(db, runId, clock.now()).catch((e: Error) => runLog.warn({ err: describeDbError(e, secrets) }, "heartbeat failed"));
  }, deps.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref?.();

  const judge = req.judge
    ? createJudge(req.judge, { db, clock, secrets, log: runLog, ...(req.prices ? { prices: req.prices } : {}) })
    : undefined;
  // budget.run.usd, else a default from the job's completed runs (3 × their median cost per trial).
  const configured = req.job.budget.run.usd;
  const limit: RunBudgetLimit | undefined =
    configured !== undefined
      ? { usd: configured, source: "config" }
      : defaultRunBudget(
          await retrying(() => recentRunCosts(db, { job: req.jobName, agent: req.agent.name }), retryOpts("reading the baseline's cost")),
          total,
        );
  const runBudget = new RunBudget(limit?.usd, () => judge?.stats().costUsd ?? 0);
  // Stops starting trials once the first ones evidently ran away (src/engine/budget.ts).
  const watch = new RunawayWatch(runawayCheckAfter(total, req.job.concurrency));
  let started = 0;
  let status: RunStatus = "completed";
  let failure: string | undefined;
  try {
    await runPool(
      workItems(cases, req.job.repeats),
      req.job.concurrency,
      async ({ kase, repeat }) => {
        started++;
        const row = await runTrial(req, runId, kase, repeat, signal, clock, secrets, judge);
        runBudget.add(row.costUsd);
        watch.record({ runaway: isRunaway(row), passed: row.passed });
        // Stored before it is announced: a listener's fault must not lose a completed trial.
        await writer.push(row);
        events?.emit("trial:finished", {
          runId,
          job: req.jobName,
          caseId: kase.id,
          status: row.status as never,
          latencyMs: row.latencyMs,
          costUsd: row.costUsd,
        });
      },
      // The run budget or runaway: trials in flight finish (each bounded by budget.trial), no new one
      // starts; until the first trials answered (none passing), no more than the rule needs start.
      { signal, stop: () => runBudget.exhausted || watch.evident, hold: () => watch.holding(started) },
    );
    if (signal.aborted) status = "aborted";
    else if (started < total && watch.evident) status = "runaway";
    else if (started < total && runBudget.exhausted) status = "budget_exhausted";
  } catch (e) {
    status = "failed";
    failure = describeDbError(e, secrets);
    runLog.error({ err: failure }, "run failed");
  } finally {
    clearInterval(heartbeat);
  }
  // Once the run is stopping, the database gets spillAfterMs more for the trials (then they go to
  // disk), and as long again for the run row (then the reaper finalizes it), less the time writes
  // were already stalled; a second signal cuts both waits to a moment. Bounded, so a shutdown
  // never outlasts its drain.
  const spillAfterMs = deps.spillAfterMs ?? SPILL_AFTER_MS;
  const stalledSince = () => writer.stalledSince;
  const spilling = stoppingDeadline(signal, req.hurry, clock, spillAfterMs, HURRIED_MS, stalledSince);
  const ending = stoppingDeadline(signal, req.hurry, clock, 2 * spillAfterMs, 2 * HURRIED_MS, stalledSince);
  let spilled = 0;
  try {
    if (deps.spill) spilled = await flushOrSpill(writer, deps.spill, runId, spilling.signal, runLog);
    else await writer.flush();
  } catch (e) {
    status = "failed";
    failure ??= describeDbError(e, secrets);
    runLog.error({ err: failure }, "storing trials failed");
  } finally {
    spilling.dispose();
  }

  const finishedAt = clock.now();
  const finalWrite = <T>(what: string, op: () => Promise<T>): Promise<T> =>
    retrying(() => untilAborted(op(), ending.signal), retryOpts(what, ending.signal)).catch((e: Error) => {
      ending.dispose();
      const kept = spilled > 0 ? `; its ${spilled} unstored trials are kept on disk and stored when it is back` : "";
      throw new Error(
        `run ${runId} stopped while the database was unreachable (${what} failed: ${describeDbError(e, secrets)})${kept}; the reaper marks the run aborted once the database answers`,
        { cause: e },
      );
    });
  const agg = await finalWrite("aggregating the run", () => aggregateTrials(db, runId));
  const order = new Map(cases.map((c, i) => [c.id, i]));
  agg.cases.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const summary = summarize(
    {
      runId,
      job: req.jobName,
      agent: req.agent.name,
      status,
      goldenName: req.golden.name,
      goldenHash: req.golden.hash,
      startedAt,
      finishedAt,
      cases: cases.length,
      repeats: req.job.repeats,
      judge: judge?.stats(),
      paging: req.paging,
      runBudget: limit,
      ...(failure
        ? { error: failure }
        : signal.aborted
          ? { error: "aborted before all trials finished" }
          : status === "budget_exhausted"
            ? {
                error: `run budget of ${limit?.source === "baseline" ? `$${limit.usd.toFixed(4)} (from the baseline)` : `$${runBudget.limitUsd}`} reached ($${runBudget.spent.toFixed(4)} spent): ${started} of ${total} trials started`,
              }
            : status === "runaway"
              ? {
                  error: `stopped for runaway: ${watch.decidedAt!.runaway} of the first ${watch.decidedAt!.finished} trials hit a budget bound or looped, none passed ($${runBudget.spent.toFixed(4)} spent): ${started} of ${total} trials started`,
                }
              : {}),
    },
    agg,
  );
  const acc = summary.accuracy;
  const finalRow = {
    status,
    finishedAt,
    heartbeatAt: finishedAt,
    trials: summary.trials,
    scored: summary.scored,
    passed: summary.passed,
    errored: summary.errored,
    budgetExceeded: summary.budgetExceeded,
    judgeErrors: summary.judgeErrors,
    accuracy: acc?.estimate ?? null,
    ciLow: acc?.low ?? null,
    ciHigh: acc?.high ?? null,
    ciMethod: acc?.method ?? null,
    se: acc && Number.isFinite(acc.se) ? acc.se : null,
    pooledLow: acc?.pooled.low ?? null,
    pooledHigh: acc?.pooled.high ?? null,
    errorRate: summary.errorRate,
    p50Ms: summary.latency.p50Ms,
    p95Ms: summary.latency.p95Ms,
    inputTokens: summary.tokens.input,
    outputTokens: summary.tokens.output,
    costUsd: summary.costUsd,
    judgeInputTokens: summary.judge?.inputTokens ?? 0,
    judgeOutputTokens: summary.judge?.outputTokens ?? 0,
    judgeCostUsd: summary.judge?.costUsd ?? 0,
    agentModel: summary.model,
    agentFingerprint: summary.fingerprint,
    caseStats: summary.perCase,
    error: summary.error ?? null,
  } as const;
  await finalWrite("storing the run's result", () => finishRun(db, runId, finalRow));
  ending.dispose();
  events?.emit("run:finished", summary);
  runLog.info({ status, accuracy: acc?.estimate, trials: summary.trials, costUsd: summary.costUsd }, "run finished");
  return summary;
}

/** A trial that hit a budget bound with a reply that arrived, or looped (its loop check failed). */
const isRunaway = (row: TrialRow): boolean =>
  row.status === "budget_exceeded" ||
  (Array.isArray(row.assertions) && row.assertions.some((a) => (a as { kind?: string }).kind === "loop"));

async function runTrial(
  req: RunRequest,
  runId: string,
  kase: GoldenCase,
  repeat: number,
  runSignal: AbortSignal,
  clock: Clock,
  secrets: Secrets,
  judge: JudgeService | undefined,
): Promise<TrialRow> {
  await req.beforeTrial?.(kase.id, runSignal);
  const startedAt = clock.now();
  const trialId = `${runId}:${kase.id}:${repeat}`;
  let obs: Observation;
  try {
    obs = await callWithBudget(req.agent, { input: kase.input, caseId: kase.id, trialId, signal: runSignal }, req.job.budget.trial, clock);
  } catch (e) {
    // Adapters return errors as data; an exception here is a bug in an adapter, kept as an error trial.
    obs = {
      output: null,
      steps: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      model: null,
      fingerprint: null,
      latencyMs: clock.now().getTime() - startedAt.getTime(),
      costUsd: 0,
      error: { kind: "network", message: `agent adapter failed: ${(e as Error).message}` },
    };
  }
  const score = await scoreTrial(
    assertionsOf(kase),
    { id: kase.id, input: kase.input, expected: kase.expected, context: kase.context },
    obs,
    runSignal,
    { judge },
  );
  // Scored on the real output (no_pii must see it); stored redacted when the job asks.
  const pii = req.redactPii ? redactPiiDeep : <T>(v: T): T => v;
  return {
    runId,
    caseId: kase.id,
    repeat,
    startedAt,
    latencyMs: obs.latencyMs,
    status: score.status,
    passed: score.passed,
    score: score.score,
    output: cap(obs.output === null ? null : pii(secrets.redact(obs.output))),
    steps: obs.steps.length > 0 ? pii(secrets.redactDeep(obs.steps)) : null,
    inputTokens: obs.usage.inputTokens,
    outputTokens: obs.usage.outputTokens,
    costUsd: obs.costUsd,
    model: obs.model,
    fingerprint: obs.fingerprint,
    errorKind: obs.error?.kind ?? null,
    errorMessage: obs.error ? pii(secrets.redact(obs.error.message)) : null,
    // Reasons quote the output (and judges paraphrase it): redacted like the output itself.
    assertions: score.assertions.length > 0 ? pii(secrets.redactDeep(score.assertions)) : null,
  };
}
