// The shadow-deployment question next to the accuracy verdict: is the candidate worth its price?
// Cost per case paired by case, and latency compared over all trials.
import { mannWhitney } from "../stats/mannWhitney.ts";
import { pairedDifference } from "../stats/paired.ts";

/** One trial's cost and latency (agent errors left out: they cost nothing and time out). */
export interface TrialCost {
  caseId: string;
  costUsd: number;
  latencyMs: number;
}

/** Cost and latency of the candidate against the incumbent. */
export interface CostComparison {
  /** Mean cost of one trial (one answer to one case); the name predates the per-trial wording. */
  incumbentCostPerCase: number;
  candidateCostPerCase: number;
  /** candidate / incumbent (NaN when the incumbent costs nothing). */
  costRatio: number;
  /** Mean per-case cost difference (candidate − incumbent, USD) with its 95% paired t interval; null below two cases. */
  costDifference: { estimate: number; low: number; high: number } | null;
  incumbentP95Ms: number | null;
  candidateP95Ms: number | null;
  latencyRatio: number;
  /** Mann–Whitney over all trials: two-sided p, and P(a candidate trial is slower than an incumbent one). */
  latencyP: number;
  candidateSlowerProbability: number;
}

const mean = (xs: readonly number[]) => (xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN);

function perCaseMeans(trials: readonly TrialCost[]): Map<string, number> {
  const sums = new Map<string, { s: number; n: number }>();
  for (const t of trials) {
    const a = sums.get(t.caseId) ?? { s: 0, n: 0 };
    a.s += t.costUsd;
    a.n++;
    sums.set(t.caseId, a);
  }
  return new Map([...sums].map(([id, a]) => [id, a.s / a.n]));
}

/** Compares cost per case (paired by case) and latency (all trials) of two runs on the same cases. */
export function compareCost(
  incumbent: { trials: readonly TrialCost[]; p95Ms: number | null },
  candidate: { trials: readonly TrialCost[]; p95Ms: number | null },
): CostComparison {
  const inc = perCaseMeans(incumbent.trials);
  const cand = perCaseMeans(candidate.trials);
  const ids = [...inc.keys()].filter((id) => cand.has(id));
  const incCost = mean(incumbent.trials.map((t) => t.costUsd));
  const candCost = mean(candidate.trials.map((t) => t.costUsd));
  let costDifference: CostComparison["costDifference"] = null;
  if (ids.length >= 2) {
    const d = pairedDifference(
      ids.map((id) => inc.get(id)!),
      ids.map((id) => cand.get(id)!),
    );
    costDifference = { estimate: d.meanDiff, low: d.interval.low, high: d.interval.high };
  }
  const mw = mannWhitney(
    candidate.trials.map((t) => t.latencyMs),
    incumbent.trials.map((t) => t.latencyMs),
  );
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : Number.NaN);
  return {
    incumbentCostPerCase: incCost,
    candidateCostPerCase: candCost,
    costRatio: incCost > 0 ? candCost / incCost : Number.NaN,
    costDifference,
    incumbentP95Ms: incumbent.p95Ms,
    candidateP95Ms: candidate.p95Ms,
    latencyRatio: ratio(candidate.p95Ms, incumbent.p95Ms),
    latencyP: mw.pValue,
    candidateSlowerProbability: mw.probSuperiority,
  };
}
