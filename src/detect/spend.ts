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

/** Share of a run's trials that must have run away for a finding when there is no baseline to compare with. */
export const RUNAWAY_NO_HISTORY_SHARE = 0.1;

/** "38 hit budget.trial.tokens; 2 looped on a repeated tool call": why trials ran away, most common first. */
export function describeRunaway(by: Readonly<Record<string, number>> | undefined): string {
  const entries = Object.entries(by ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0) return "hit a budget bound or looped";
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([why, n]) =>
      why === "loop"
        ? `${n} looped on a repeated tool call`
        : why === "budget"
          ? `${n} hit a budget bound`
          : `${n} hit budget.trial.${why}`,
    )
    .join("; ");
}

const spent = (x: number) => `$${x.toFixed(2)} spent`;

/**
 * Runaway trials: a per-trial budget bound crossed by a reply that arrived, or the same tool call
 * looping. These are evidence on their own, so this pages with or without history:
 * - a run stopped for runaway (its first trials all ran away, src/engine/budget.ts) or at its run
 *   budget always pages;
 * - without a baseline (first runs, or a run that did not complete), it pages when at least 10% of
 *   the run's trials ran away (RUNAWAY_NO_HISTORY_SHARE): a bound hit that often is a loop or a bound
 *   set below what the agent needs, and either way someone must look before the next run;
 * - with a baseline, under "nothing changed" this run's count follows the beta-binomial predictive
 *   of the baseline's rate (Jeffreys' prior); pages when P(X ≥ x) < α_runaway.
 * The summary names the bounds hit (and loops), how many trials, and what the run spent.
 */
export function runawayFinding(run: RunPoint, baseline: readonly RunPoint[] | null, policy: DetectionPolicy): Finding | undefined {
  const base = { job: run.job, agent: run.agent, detector: "runaway", severity: "critical" as const };
  const x = runawayOf(run);
  const why = describeRunaway(run.runawayBy);
  const counts = {
    runaway: x,
    ...(run.runawayBy ? { runawayBy: run.runawayBy } : {}),
    budgetExceeded: run.budgetExceeded,
    trials: run.trials,
    costUsd: round(run.costUsd),
    runId: run.id,
  };
  if (run.status === "runaway") {
    return {
      ...base,
      summary: `run stopped for runaway after ${run.trials} trials: ${x} of ${run.trials} ran away (${why}); ${spent(run.costUsd)}`,
      evidence: { ...counts, rule: "stopped" },
    };
  }
  if (run.status === "budget_exhausted") {
    return {
      ...base,
      summary: `run stopped at its spending limit after ${run.trials} trials (${spent(run.costUsd)})${x > 0 ? `; ${x} ran away (${why})` : ""}`,
      evidence: { ...counts, rule: "run_budget" },
    };
  }
  if (x === 0 || run.trials === 0) return undefined;
  if (!baseline || baseline.length === 0) {
    const share = x / run.trials;
    if (share < RUNAWAY_NO_HISTORY_SHARE) return undefined;
    return {
      ...base,
      summary: `${x} of ${run.trials} trials ran away (${why}); ${spent(run.costUsd)}`,
      evidence: { ...counts, share: round(share), limit: RUNAWAY_NO_HISTORY_SHARE, rule: "no_history" },
    };
  }
  const events = baseline.reduce((s, r) => s + runawayOf(r), 0);
  const trials = baseline.reduce((s, r) => s + r.trials, 0);
  const p = upperTail(betaBinomialPmf(run.trials, events + 0.5, trials - events + 0.5), x);
  if (!(p < policy.alpha.runaway)) return undefined;
  return {
    ...base,
    summary: `${x} of ${run.trials} trials ran away (${why}); ${spent(run.costUsd)}; against ${events} in ${trials} baseline trials (p = ${prob(p)})`,
    evidence: {
      ...counts,
      baselineRunaway: events,
      baselineTrials: trials,
      p: round(p),
      alpha: round(policy.alpha.runaway),
      rule: "predictive",
    },
  };
}
