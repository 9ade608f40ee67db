import { prob, ratio, round } from "./format.ts";
import { growth } from "./growth.ts";
import type { DetectionPolicy } from "./policy.ts";
import { betaBinomialPmf, upperTail } from "./predictive.ts";
import type { Finding, RunPoint } from "./types.ts";

/** Cost per case: the average cost of one answer (trials that got no reply cost nothing and are left out). */
export function costPerCase(run: Pick<RunPoint, "costUsd" | "trials" | "errored">): number | null {
  const answered = run.trials - run.errored;
  return answered > 0 ? run.costUsd / answered : null;
}

const usd = (x: number) => `$${x < 0.01 ? x.toPrecision(3) : x.toFixed(4)}`;

/**
 * Spend: cost per case against the baseline runs' (median/MAD on a log scale, see growth.ts):
 * alerts when it grew by at least `spend_growth` and beyond the baseline's noise at α_spend.
 */
export function spendFinding(run: RunPoint, baseline: readonly RunPoint[], policy: DetectionPolicy): Finding | undefined {
  const g = growth(costPerCase(run), baseline.map(costPerCase), policy.spendGrowth, policy.alpha.spend);
  if (!g?.alarm) return undefined;
  return {
    detector: "spend",
    job: run.job,
    agent: run.agent,
    severity: "critical",
    summary: `cost per case ${ratio(g.ratio)}: ${usd(g.value)} against the baseline median ${usd(g.median)}`,
    evidence: {
      costPerCase: round(g.value),
      baselineMedian: round(g.median),
      ratio: round(g.ratio),
      z: round(g.z),
      threshold: round(g.threshold),
      growthLimit: policy.spendGrowth,
      costUsd: round(run.costUsd),
      baselineRuns: baseline.length,
      runId: run.id,
    },
  };
}

const runawayOf = (r: RunPoint) => r.runaway ?? r.budgetExceeded;

/**
 * Runaway trials (a per-trial budget hit, or the same tool call looping): more of them than the
 * baseline's rate explains. Under "nothing changed" this run's count follows the beta-binomial
 * predictive of the baseline's rate (Jeffreys' prior); alerts when P(X ≥ x) < α_runaway. A run
 * stopped by its run budget always alerts.
 */
export function runawayFinding(run: RunPoint, baseline: readonly RunPoint[] | null, policy: DetectionPolicy): Finding | undefined {
  const base = { job: run.job, agent: run.agent, detector: "runaway", severity: "critical" as const };
  if (run.status === "budget_exhausted") {
    return {
      ...base,
      summary: `run stopped at its spending limit after ${run.trials} trials ($${run.costUsd.toFixed(2)})`,
      evidence: { costUsd: round(run.costUsd), trials: run.trials, runId: run.id },
    };
  }
  const x = runawayOf(run);
  if (x === 0 || !baseline || baseline.length === 0) return undefined;
  const events = baseline.reduce((s, r) => s + runawayOf(r), 0);
  const trials = baseline.reduce((s, r) => s + r.trials, 0);
  const p = upperTail(betaBinomialPmf(run.trials, events + 0.5, trials - events + 0.5), x);
  if (!(p < policy.alpha.runaway)) return undefined;
  return {
    ...base,
    summary: `${x} of ${run.trials} trials ran away (budget hit or looping tool calls) against ${events} in ${trials} baseline trials (p = ${prob(p)})`,
    evidence: {
      runaway: x,
      budgetExceeded: run.budgetExceeded,
      trials: run.trials,
      baselineRunaway: events,
      baselineTrials: trials,
      p: round(p),
      alpha: round(policy.alpha.runaway),
      runId: run.id,
    },
  };
}
