import { randomUUID } from "node:crypto";
import type { Agent } from "../agents/types.ts";
import type { Clock } from "../clock.ts";
import type { JudgeConfig, ShadowJobConfig } from "../config/schema.ts";
import type { Redactor } from "../config/secrets.ts";
import { RunBudget } from "../engine/budget.ts";
import { runPool } from "../engine/pool.ts";
import { compareCost, type CostComparison } from "../gate/compare.ts";
import type { Logger } from "../log.ts";
import type { PriceTable } from "../pricing.ts";
import { createPairwiseJudge } from "../scoring/judge/pairwise.ts";
import { redactPii } from "../scoring/pii.ts";
import type { JudgeStats } from "../scoring/judge/types.ts";
import { quantile } from "../stats/descriptive.ts";
import { summarizePairs, type PairwiseSummary } from "../stats/pairwise.ts";
import type { Db } from "../store/db.ts";
import { judgePair, replyOf, type JudgedPair } from "./pair.ts";
import { finishShadowRun, insertPairVerdicts, insertShadowRun, recentSamples } from "./store.ts";

/** Bad shadow input (unknown job or agent, too few samples): the caller's to fix, exit 3 with the message. */
export class ShadowInputError extends Error {
  override name = "ShadowInputError";
}

/** What a shadow run needs. */
export interface ShadowDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  secrets: Redactor;
  judge: JudgeConfig | undefined;
  prices?: PriceTable;
  /** The adapter for a configured agent; throws ShadowInputError for an unknown name. */
  agent(name: string): Agent;
  /** Replace personal data in stored judge reasons (they may quote a reply); `shadow.sampling.redact_pii`. */
  redactPii?: boolean;
  fetch?: typeof fetch;
}

export interface ShadowRequest {
  jobName: string;
  job: ShadowJobConfig;
  /** Overrides the job's candidate (`goldwatch shadow <job> --candidate <agent>`). */
  candidate?: string;
  trigger: "schedule" | "manual";
  slotAt?: Date;
  signal?: AbortSignal;
  /** The run's id (the scheduler's claim); default a new one. */
  runId?: string;
}

/** A shadow run's report. */
export interface ShadowResult {
  runId: string;
  job: string;
  candidate: string;
  incumbent: string;
  /** completed, or budget_exhausted (the summary covers the pairs done before the budget ran out). */
  status: "completed" | "budget_exhausted";
  inputs: number;
  repeats: number;
  summary: PairwiseSummary;
  cost: CostComparison;
  /** The agents' spend and the judge's, apart. */
  spend: { candidateUsd: number; incumbentUsd: number; judge: JudgeStats };
}

/**
 * Replays the N most recent sampled inputs to the candidate and the incumbent (both called at
 * once per input and repeat, under the job's trial budget), judges each pair in both orders,
 * stores every verdict and the run's summary, and returns the report. `budget.run.usd` counts the
 * agents and the judge together: once reached, no new pair starts.
 */
export async function runShadow(deps: ShadowDeps, req: ShadowRequest): Promise<ShadowResult> {
  const { db, clock, job } = { ...deps, job: req.job };
  if (!deps.judge) throw new ShadowInputError("shadow evaluation needs a judge: add a judge: section to the config");
  const candidateName = req.candidate ?? job.candidate;
  const incumbentName = job.incumbent;
  const candidate = deps.agent(candidateName);
  const incumbent = deps.agent(incumbentName);
  const source = job.inputs_from ?? incumbentName;
  const sampled = await recentSamples(db, source, job.sample);
  if (sampled.length < 2) {
    throw new ShadowInputError(
      `only ${sampled.length} sampled input${sampled.length === 1 ? "" : "s"} for agent "${source}"; at least 2 are needed (send OTLP spans, POST /api/samples, or goldwatch samples import)`,
    );
  }
  const judge = createPairwiseJudge(deps.judge, {
    db,
    clock,
    secrets: deps.secrets,
    log: deps.log,
    ...(deps.prices ? { prices: deps.prices } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const runId = req.runId ?? randomUUID();
  const startedAt = clock.now();
  await insertShadowRun(db, {
    id: runId,
    job: req.jobName,
    candidate: candidateName,
    incumbent: incumbentName,
    trigger: req.trigger,
    slotAt: req.slotAt ?? null,
    status: "running",
    startedAt,
    judgeModel: judge.model,
    rubric: job.rubric,
    margin: job.margin,
    alpha: job.alpha,
    repeats: job.repeats,
  });
  try {
    const budget = new RunBudget(job.budget.run.usd, () => judge.stats().costUsd);
    const signal = req.signal ?? new AbortController().signal;
    const items = sampled.flatMap((s) => Array.from({ length: job.repeats }, (_, r) => ({ sample: s, repeat: r + 1 })));
    const judged: JudgedPair[] = [];
    await runPool(
      items,
      job.concurrency,
      async ({ sample, repeat }) => {
        const ids = { caseId: sample.id, trialId: `${runId}:${sample.id}:${repeat}` };
        const [c, i] = await Promise.all([
          replyOf(candidate, sample.input, ids, job.budget.trial, clock, signal),
          replyOf(incumbent, sample.input, ids, job.budget.trial, clock, signal),
        ]);
        budget.add(c.costUsd + i.costUsd);
        judged.push(
          await judgePair(
            judge,
            { sampleId: sample.id, repeat, input: sample.input, criteria: job.rubric, candidate: c, incumbent: i },
            signal,
          ),
        );
      },
      { signal, stop: () => budget.exhausted },
    );
    if (signal.aborted) throw new Error("the shadow run was interrupted");
    const result = buildResult(runId, req.jobName, candidateName, incumbentName, judged, job, judge.stats());
    result.status = judged.length < items.length ? "budget_exhausted" : "completed";
    result.inputs = sampled.length;
    const scrub = (text: string | null | undefined) => (text && deps.redactPii ? redactPii(text) : (text ?? null));
    await insertPairVerdicts(
      db,
      judged.map((j) => ({
        ...j.row,
        reasonCandidateFirst: scrub(j.row.reasonCandidateFirst),
        reasonIncumbentFirst: scrub(j.row.reasonIncumbentFirst),
        runId,
        createdAt: startedAt,
      })),
    );
    await finishShadowRun(db, runId, { ...summaryColumns(result), status: result.status, finishedAt: clock.now() });
    return result;
  } catch (e) {
    const message = deps.secrets.redact((e as Error).message);
    await finishShadowRun(db, runId, { status: "failed", finishedAt: clock.now(), error: message }).catch(() => undefined);
    throw e;
  }
}

/** The report from the judged pairs. Pure. */
export function buildResult(
  runId: string,
  jobName: string,
  candidate: string,
  incumbent: string,
  judged: readonly JudgedPair[],
  job: Pick<ShadowJobConfig, "margin" | "alpha" | "min_consistency" | "repeats">,
  judge: JudgeStats,
): ShadowResult {
  const summary = summarizePairs(
    judged.map((j) => j.observation),
    { margin: job.margin, alpha: job.alpha, minConsistency: job.min_consistency },
  );
  const trials = (side: "candidate" | "incumbent") =>
    judged.flatMap((j) => {
      const latency = side === "candidate" ? j.row.candidateLatencyMs : j.row.incumbentLatencyMs;
      const cost = side === "candidate" ? j.row.candidateCostUsd : j.row.incumbentCostUsd;
      return latency === null || latency === undefined ? [] : [{ caseId: j.row.sampleId, costUsd: cost ?? 0, latencyMs: latency }];
    });
  const [ct, it] = [trials("candidate"), trials("incumbent")];
  const p95 = (xs: { latencyMs: number }[]) =>
    xs.length > 0
      ? quantile(
          xs.map((x) => x.latencyMs),
          0.95,
        )
      : null;
  const cost = compareCost({ trials: it, p95Ms: p95(it) }, { trials: ct, p95Ms: p95(ct) });
  const sum = (f: (j: JudgedPair) => number | undefined) => judged.reduce((s, j) => s + (f(j) ?? 0), 0);
  return {
    runId,
    job: jobName,
    candidate,
    incumbent,
    status: "completed",
    inputs: new Set(judged.map((j) => j.row.sampleId)).size,
    repeats: job.repeats,
    summary,
    cost,
    spend: { candidateUsd: sum((j) => j.row.candidateCostUsd), incumbentUsd: sum((j) => j.row.incumbentCostUsd), judge },
  };
}

/** The shadow_runs columns of a report. */
function summaryColumns(r: ShadowResult) {
  const s = r.summary;
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    inputs: r.inputs,
    pairs: s.pairs,
    judgeErrors: s.judgeErrors,
    forfeits: s.forfeits,
    wins: s.wins,
    losses: s.losses,
    ties: s.ties,
    flips: s.flips,
    tieRate: finite(s.tieRate),
    swapConsistency: finite(s.swapConsistency),
    winRate: finite(s.winRate.estimate),
    winLow: finite(s.winRate.low),
    winHigh: finite(s.winRate.high),
    lcWinRate: finite(s.lengthControlled.winRate),
    lcLow: finite(s.lengthControlled.low),
    lcHigh: finite(s.lengthControlled.high),
    lengthDiff: finite(s.lengthDifference.estimate),
    decision: s.decision.decision,
    decisionLower: finite(s.decision.lower),
    decisionUpper: finite(s.decision.upper),
    pValue: finite(s.decision.pValue),
    reason: s.decision.reason,
    candidateCostUsd: r.spend.candidateUsd,
    incumbentCostUsd: r.spend.incumbentUsd,
    judgeCostUsd: r.spend.judge.costUsd,
    candidateP95Ms: r.cost.candidateP95Ms,
    incumbentP95Ms: r.cost.incumbentP95Ms,
    report: JSON.parse(JSON.stringify(r)) as unknown,
  };
}
