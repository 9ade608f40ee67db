import type { JudgeStats } from "../scoring/judge/types.ts";
import type { RunBudgetLimit } from "./budget.ts";
import { accuracyInterval, type AccuracyInterval } from "../stats/intervals.ts";
import { minimumDetectableDrop, repeatsNeeded } from "../stats/power.ts";
import type { RunStatus } from "../store/runs.ts";
import type { CaseCounts, TrialAggregates } from "../store/runs.ts";

/** Per-case result in a run summary. */
export interface CaseSummary extends CaseCounts {
  /** Pass rate among scored trials; null when none was scored. */
  rate: number | null;
}

/** What a run found, as printed by `goldwatch run` and stored on the run row. */
export interface RunSummary {
  runId: string;
  job: string;
  agent: string;
  status: RunStatus;
  goldenName: string;
  goldenHash: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  cases: number;
  repeats: number;
  trials: number;
  scored: number;
  passed: number;
  errored: number;
  budgetExceeded: number;
  judgeErrors: number;
  /** Trials that ran away (a budget bound hit by a reply that arrived, or a loop), and by why (bound or `loop`). */
  runaway: number;
  runawayBy: Record<string, number>;
  /** The run's spending limit: `budget.run.usd`, or derived from the baseline when that is not set; null for none. */
  runBudget: RunBudgetLimit | null;
  /** Agent errors (timeouts, HTTP errors, unparsable replies) among all trials. */
  errorRate: number;
  accuracy: AccuracyInterval | null;
  perCase: CaseSummary[];
  latency: { p50Ms: number | null; p95Ms: number | null };
  tokens: { input: number; output: number };
  costUsd: number;
  /** Why `costUsd` is $0 although the agent answered: no price matched its model, or it reported no token usage (absent when the cost is known). */
  costUnknown?: "no-price" | "no-usage";
  model: string | null;
  fingerprint: string | null;
  /** What this K × N design can detect (see designPower); null without two scored cases. */
  power: DesignPower | null;
  /** The LLM judge's work in this run (verdicts, cache hits, errors, its own tokens and cost), when there was a judge. */
  judge?: JudgeStats;
  error?: string;
}

export interface SummaryMeta {
  runId: string;
  job: string;
  agent: string;
  status: RunStatus;
  goldenName: string;
  goldenHash: string;
  startedAt: Date;
  finishedAt: Date;
  cases: number;
  repeats: number;
  judge?: JudgeStats | undefined;
  runBudget?: RunBudgetLimit | undefined;
  error?: string;
  /** State the design's power at the threshold that pages (the job's sudden-drop test). */
  paging?: PagingDesign | undefined;
}

/** Builds a run summary from the stored trials' aggregates. Pure. */
export function summarize(meta: SummaryMeta, agg: TrialAggregates): RunSummary {
  const sum = (f: (c: CaseCounts) => number) => agg.cases.reduce((s, c) => s + f(c), 0);
  const trials = sum((c) => c.trials);
  const scored = sum((c) => c.scored);
  const errored = sum((c) => c.errors);
  const accuracy = scored > 0 ? accuracyInterval(agg.cases.map((c) => ({ passes: c.passes, trials: c.scored }))) : null;
  return {
    runId: meta.runId,
    job: meta.job,
    agent: meta.agent,
    status: meta.status,
    goldenName: meta.goldenName,
    goldenHash: meta.goldenHash,
    startedAt: meta.startedAt.toISOString(),
    finishedAt: meta.finishedAt.toISOString(),
    durationMs: meta.finishedAt.getTime() - meta.startedAt.getTime(),
    cases: meta.cases,
    repeats: meta.repeats,
    trials,
    scored,
    passed: sum((c) => c.passes),
    errored,
    budgetExceeded: sum((c) => c.budgetExceeded),
    judgeErrors: sum((c) => c.judgeErrors),
    runaway: sum((c) => c.runaway ?? 0),
    runawayBy: mergeCounts(agg.cases.map((c) => c.runawayBy ?? {})),
    runBudget: meta.runBudget ?? null,
    errorRate: trials > 0 ? errored / trials : 0,
    accuracy,
    power: designPower(agg.cases, meta.repeats, meta.paging),
    perCase: agg.cases.map((c) => ({ ...c, rate: c.scored > 0 ? c.passes / c.scored : null })),
    latency: { p50Ms: agg.p50Ms, p95Ms: agg.p95Ms },
    tokens: { input: agg.inputTokens, output: agg.outputTokens },
    costUsd: agg.costUsd,
    ...(agg.costUsd === 0 && trials > errored ? { costUnknown: agg.inputTokens + agg.outputTokens > 0 ? "no-price" : "no-usage" } : {}),
    model: agg.model,
    fingerprint: agg.fingerprint,
    ...(meta.judge ? { judge: meta.judge } : {}),
    ...(meta.error ? { error: meta.error } : {}),
  };
}

/** Sums count maps key by key. */
function mergeCounts(maps: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, n] of Object.entries(m)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/**
 * The power of a run's design (Miller 2024, "Adding Error Bars to Evals", paired form, as in
 * src/stats/power.ts): the smallest drop in accuracy detectable between two runs like this one
 * on the same cases (5% two-sided, 80% power), from this run's own rates.
 */
export interface DesignPower {
  cases: number;
  repeats: number;
  meanRate: number;
  /** Between-case variance of true rates, estimated as Var(p̂ᵢ) minus its binomial part. */
  betweenCaseVar: number;
  alpha: number;
  power: number;
  /** Smallest detectable drop (accuracy units). */
  minimumDetectableDrop: number;
  /**
   * Set when stated at the threshold that pages (one-sided `alpha`, this run against a baseline of
   * that many runs); null for the textbook two-run comparison at 5% two-sided.
   */
  baselineRuns: number | null;
}

/** The sudden-drop test's level for one run and its baseline size, from the job's detection policy. */
export interface PagingDesign {
  alpha: number;
  baselineRuns: number;
}

const DESIGN_ALPHA = 0.05;
const DESIGN_POWER = 0.8;

/** A run's design power from its per-case counts (null below two scored cases). Pure. */
export function designPower(
  cases: readonly { passes: number; scored: number }[],
  repeats: number,
  paging?: PagingDesign,
): DesignPower | null {
  const scored = cases.filter((c) => c.scored > 0);
  const k = scored.length;
  if (k < 2 || repeats < 1) return null;
  const rates = scored.map((c) => c.passes / c.scored);
  const total = scored.reduce((s, c) => s + c.scored, 0);
  // Kept half a trial away from 0 and 1: a run where every trial passed still has a finite MDE.
  const meanRate = Math.min(1 - 0.5 / (total + 1), Math.max(0.5 / (total + 1), rates.reduce((s, r) => s + r, 0) / k));
  const varRates = rates.reduce((s, r) => s + (r - meanRate) ** 2, 0) / (k - 1);
  // Var(p̂ᵢ) = σ²_between + E[pᵢ(1 − pᵢ)]/n, and p̂(1 − p̂)/(n − 1) estimates pᵢ(1 − pᵢ)/n without bias.
  const binomialPart = scored.reduce((s, c, i) => s + (c.scored > 1 ? (rates[i]! * (1 - rates[i]!)) / (c.scored - 1) : 0), 0) / k;
  const betweenCaseVar = Math.min(meanRate * (1 - meanRate), Math.max(0, varRates - binomialPart));
  const alpha = paging?.alpha ?? DESIGN_ALPHA;
  const design = {
    k,
    meanRate,
    betweenCaseVar,
    alpha,
    power: DESIGN_POWER,
    paired: true,
    ...(paging ? { baselineRuns: paging.baselineRuns } : {}),
  };
  return {
    cases: k,
    repeats,
    meanRate,
    betweenCaseVar,
    alpha,
    power: DESIGN_POWER,
    baselineRuns: paging?.baselineRuns ?? null,
    minimumDetectableDrop: minimumDetectableDrop({ ...design, n: repeats }),
  };
}

/** Repeats per case needed to detect a drop of `drop` with this design's cases (Infinity when repeats cannot get there). */
export function repeatsForDrop(p: DesignPower, drop: number): number {
  return repeatsNeeded({
    k: p.cases,
    meanRate: p.meanRate,
    betweenCaseVar: p.betweenCaseVar,
    alpha: p.alpha,
    power: p.power,
    paired: true,
    ...(p.baselineRuns !== null ? { baselineRuns: p.baselineRuns } : {}),
    targetDrop: drop,
  });
}
