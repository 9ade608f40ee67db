// How small a drop a K-case × N-repeat design can see, and how many repeats a target drop
// needs. Clustered form of Miller (2024), "Adding Error Bars to Evals" (the variance of a mean
// over K questions each resampled N times, and its power-analysis section):
//
//   case i has true pass rate p_i; its N repeats are Bernoulli(p_i), within variance p_i(1 − p_i).
//   σ²_between = Var(p_i)                                     (betweenCaseVar)
//   σ²_within  = E[p_i(1 − p_i)] = p̄(1 − p̄) − σ²_between      (law of total variance)
//   Var(mean score of one run) = (σ²_between + σ²_within/N)/K
//
// Paired (the same K cases in both runs, the monitor's and the gate's design): case effects
// cancel in d_i = p̂'_i − p̂_i, leaving
//   Var(d̄) = (2σ²_within/N + ω²)/K,   ω² = Var of per-case true differences (0 if unchanged).
// Unpaired (different case samples): Var(d̄) = 2(σ²_between + σ²_within/N)/K + ω²/K.
//
// Minimum detectable drop for a two-sided level-α test with power 1 − β, with the quantiles of
// t(K − 1), the distribution the paired test over K case differences uses (z would be optimistic
// for small K: t_9 gives 3.145 where z gives 2.802); z only when K = 1:
//   MDE = (t_{K−1, 1−α/2} + t_{K−1, 1−β})·√Var(d̄).
import { normalQuantile, tQuantile } from "./distributions.ts";

/** Design and rates shared by the power functions. */
export interface PowerDesign {
  /** Number of cases K (≥ 1). */
  k: number;
  /** Mean pass rate p̄ in [0, 1]. */
  meanRate: number;
  /** Between-case variance of true pass rates, in [0, p̄(1 − p̄)]; default 0. */
  betweenCaseVar?: number;
  /** ω²: variance across cases of the true per-case change; default 0 (the agent is unchanged but for the drop). */
  diffVar?: number;
  /** Two-sided significance level; default 0.05 (one-sided with `baselineRuns`). */
  alpha?: number;
  /** Target power 1 − β; default 0.8. */
  power?: number;
  /** The same cases in both runs; default true. */
  paired?: boolean;
  /**
   * Judge as the monitor's sudden-drop test pages: one run against a baseline of this many runs
   * like it, one-sided at `alpha`, with normal quantiles (that test's variance comes from the
   * binomial model, not from the K case differences, so t(K − 1) would overstate it). Paired only.
   */
  baselineRuns?: number;
}

interface Resolved {
  k: number;
  within: number;
  between: number;
  omega2: number;
  zSum: number;
  paired: boolean;
  /** Var(d̄)·K/σ²_within per 1/N: 2 for two runs, 1 + 1/B against a baseline of B runs. */
  sides: number;
}

function resolve(d: PowerDesign): Resolved {
  const { k, meanRate } = d;
  const between = d.betweenCaseVar ?? 0;
  const omega2 = d.diffVar ?? 0;
  const alpha = d.alpha ?? 0.05;
  const power = d.power ?? 0.8;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`power: k must be a positive integer, got ${k}`);
  if (!(meanRate >= 0 && meanRate <= 1)) throw new RangeError(`power: meanRate must be in [0, 1], got ${meanRate}`);
  const total = meanRate * (1 - meanRate);
  // A small tolerance admits a between-case variance estimated from the same rates.
  if (!(between >= 0 && between <= total + 1e-12)) {
    throw new RangeError(`power: betweenCaseVar must be in [0, meanRate·(1 − meanRate) = ${total}], got ${between}`);
  }
  if (!(omega2 >= 0)) throw new RangeError(`power: diffVar must be ≥ 0, got ${omega2}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`power: alpha must be in (0, 1), got ${alpha}`);
  if (!(power > 0 && power < 1)) throw new RangeError(`power: power must be in (0, 1), got ${power}`);
  const b = d.baselineRuns;
  if (b !== undefined && !(b >= 1)) throw new RangeError(`power: baselineRuns must be ≥ 1, got ${b}`);
  return {
    k,
    within: Math.max(0, total - between),
    between,
    omega2,
    zSum:
      b !== undefined
        ? normalQuantile(1 - alpha) + normalQuantile(power)
        : k >= 2
          ? tQuantile(1 - alpha / 2, k - 1) + tQuantile(power, k - 1)
          : normalQuantile(1 - alpha / 2) + normalQuantile(power),
    paired: b !== undefined ? true : (d.paired ?? true),
    sides: b !== undefined ? 1 + 1 / b : 2,
  };
}

/** The part of K·Var(d̄) that does not shrink with N, and the coefficient of 1/N. */
function varianceParts(r: Resolved): { fixed: number; perRepeat: number } {
  return r.paired ? { fixed: r.omega2, perRepeat: r.sides * r.within } : { fixed: 2 * r.between + r.omega2, perRepeat: 2 * r.within };
}

/** Variance of one run's mean score over K cases × N repeats: (σ²_between + σ²_within/N)/K. */
export function clusteredMeanVariance(d: { k: number; n: number; meanRate: number; betweenCaseVar?: number }): number {
  const r = resolve({ k: d.k, meanRate: d.meanRate, betweenCaseVar: d.betweenCaseVar ?? 0 });
  if (!(d.n >= 1)) throw new RangeError(`power: n must be ≥ 1, got ${d.n}`);
  return (r.between + r.within / d.n) / r.k;
}

/** Smallest drop in mean pass rate detectable with the given power: (t_{K−1, 1−α/2} + t_{K−1, 1−β})·√Var(d̄). */
export function minimumDetectableDrop(d: PowerDesign & { n: number }): number {
  const r = resolve(d);
  if (!(d.n >= 1)) throw new RangeError(`minimumDetectableDrop: n must be ≥ 1, got ${d.n}`);
  const { fixed, perRepeat } = varianceParts(r);
  return r.zSum * Math.sqrt((perRepeat / d.n + fixed) / r.k);
}

/**
 * Smallest number of repeats N ≥ 1 per case whose minimum detectable drop is ≤ `targetDrop`.
 * Solves (perRepeat/N + fixed)/K ≤ (targetDrop/(t_{1−α/2} + t_{1−β}))² for N. Infinity when
 * the part that repeats cannot reduce (ω², plus between-case variance when unpaired) already
 * uses the whole budget: then only more cases help.
 */
export function repeatsNeeded(d: PowerDesign & { targetDrop: number }): number {
  const r = resolve(d);
  if (!(d.targetDrop > 0)) throw new RangeError(`repeatsNeeded: targetDrop must be > 0, got ${d.targetDrop}`);
  const { fixed, perRepeat } = varianceParts(r);
  const budget = r.k * (d.targetDrop / r.zSum) ** 2;
  if (perRepeat === 0) return fixed <= budget ? 1 : Number.POSITIVE_INFINITY;
  if (fixed >= budget) return Number.POSITIVE_INFINITY;
  // Guard the ceiling against a quotient like 12.000000000000002 from rounding.
  const exact = perRepeat / (budget - fixed);
  return Math.max(1, Math.ceil(exact * (1 - 1e-12)));
}
