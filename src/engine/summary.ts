import type { JudgeStats } from "../scoring/judge/types.ts";
import { accuracyInterval, type AccuracyInterval } from "../stats/intervals.ts";
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
  /** Agent errors (timeouts, HTTP errors, unparsable replies) among all trials. */
  errorRate: number;
  accuracy: AccuracyInterval | null;
  perCase: CaseSummary[];
  latency: { p50Ms: number | null; p95Ms: number | null };
  tokens: { input: number; output: number };
  costUsd: number;
  model: string | null;
  fingerprint: string | null;
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
  error?: string;
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
    errorRate: trials > 0 ? errored / trials : 0,
    accuracy,
    perCase: agg.cases.map((c) => ({ ...c, rate: c.scored > 0 ? c.passes / c.scored : null })),
    latency: { p50Ms: agg.p50Ms, p95Ms: agg.p95Ms },
    tokens: { input: agg.inputTokens, output: agg.outputTokens },
    costUsd: agg.costUsd,
    model: agg.model,
    fingerprint: agg.fingerprint,
    ...(meta.judge ? { judge: meta.judge } : {}),
    ...(meta.error ? { error: meta.error } : {}),
  };
}
