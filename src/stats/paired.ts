// Candidate vs incumbent on the same cases: the case is the unit of evidence, so the analysis
// is a one-sample t on per-case differences d_i = candidate_i − incumbent_i with K − 1 df.
import { sampleSd } from "./descriptive.ts";
import { tInterval, type Interval } from "./intervals.ts";
import { tCdf, tQuantile } from "./distributions.ts";

/** Summary of per-case paired differences (candidate − incumbent). */
export interface PairedDifference {
  /** Number of cases K. */
  k: number;
  /** Mean of d_i; negative means the candidate scores lower. */
  meanDiff: number;
  /** Sample SD of d_i (K − 1 denominator). */
  sd: number;
  /** Standard error sd/√K. */
  se: number;
  /** Degrees of freedom K − 1. */
  df: number;
  /** t statistic meanDiff/se (±Infinity, or NaN for 0/0, when se = 0). */
  t: number;
  /** Two-sided p for H0: mean difference = 0. */
  pValue: number;
  /** Two-sided t(K − 1) confidence interval for the mean difference. */
  interval: Interval;
}

/**
 * Paired differences over cases from per-case scores (same case order in both arrays). Fewer
 * than two cases give NaN throughout. With se = 0 (every case moved by the same amount) the
 * t-test degenerates: p = 1 when that amount is 0, else 0, and the interval is the point.
 */
export function pairedDifference(incumbent: readonly number[], candidate: readonly number[], level = 0.95): PairedDifference {
  if (incumbent.length !== candidate.length) {
    throw new RangeError(`pairedDifference: ${incumbent.length} incumbent scores vs ${candidate.length} candidate scores`);
  }
  const diffs = candidate.map((c, i) => c - incumbent[i]!);
  const k = diffs.length;
  if (k < 2) {
    const nan = Number.NaN;
    const m = k === 1 ? diffs[0]! : nan;
    return { k, meanDiff: m, sd: nan, se: nan, df: k - 1, t: nan, pValue: nan, interval: { estimate: m, low: nan, high: nan, level } };
  }
  const ti = tInterval(diffs, level);
  const meanDiff = ti.estimate;
  const se = ti.se;
  const t = meanDiff / se;
  let pValue: number;
  if (se > 0) pValue = Math.min(1, 2 * tCdf(-Math.abs(t), ti.df));
  else pValue = meanDiff === 0 ? 1 : 0;
  const interval: Interval =
    se > 0 ? { estimate: meanDiff, low: ti.low, high: ti.high, level } : { estimate: meanDiff, low: meanDiff, high: meanDiff, level };
  return { k, meanDiff, sd: sampleSd(diffs), se, df: ti.df, t, pValue, interval };
}

/**
 * The same paired difference with its standard error raised to at least `minSe` (a variance
 * floor): t, the two-sided p and the interval are recomputed on K − 1 df. `floored` says whether
 * the floor set the standard error. Used when a model gives a lower bound on Var(d̄) that the
 * sample SD can undercut by chance, e.g. sd = 0 when every case moved by the same amount.
 */
export function withSeFloor(diff: PairedDifference, minSe: number): PairedDifference & { floored: boolean } {
  if (!(diff.df >= 1) || Number.isNaN(diff.se) || !(minSe > diff.se)) return { ...diff, floored: false };
  const se = minSe;
  const t = diff.meanDiff / se;
  const half = tQuantile(1 - (1 - diff.interval.level) / 2, diff.df) * se;
  return {
    ...diff,
    se,
    t,
    pValue: Math.min(1, 2 * tCdf(-Math.abs(t), diff.df)),
    interval: { estimate: diff.meanDiff, low: diff.meanDiff - half, high: diff.meanDiff + half, level: diff.interval.level },
    floored: true,
  };
}

/** Outcome of a one-sided non-inferiority test on paired differences. */
export interface NonInferiorityDecision {
  /** True when the candidate is shown to be no worse than the incumbent by more than `margin`. */
  nonInferior: boolean;
  /** One-sided (1 − alpha) lower confidence bound for the mean difference. */
  lowerBound: number;
  /** One-sided p for H0: mean difference ≤ −margin. */
  pValue: number;
  margin: number;
  alpha: number;
}

/**
 * Non-inferiority of the candidate: tests H0: μ_d ≤ −margin against H1: μ_d > −margin with
 * t = (meanDiff + margin)/se on K − 1 df. Equivalent to requiring the one-sided (1 − alpha)
 * lower bound meanDiff − t_{1−alpha}·se to lie above −margin. `margin` ≥ 0 is the largest drop
 * (in score units) that still counts as "no worse". Undefined inputs (K < 2) are never non-inferior.
 */
export function nonInferiority(diff: PairedDifference, margin: number, alpha = 0.05): NonInferiorityDecision {
  if (!(margin >= 0)) throw new RangeError(`nonInferiority: margin must be ≥ 0, got ${margin}`);
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`nonInferiority: alpha must be in (0, 1), got ${alpha}`);
  if (!(diff.df >= 1) || Number.isNaN(diff.se)) {
    return { nonInferior: false, lowerBound: Number.NaN, pValue: Number.NaN, margin, alpha };
  }
  const shifted = diff.meanDiff + margin;
  let pValue: number;
  let lowerBound: number;
  if (diff.se > 0) {
    pValue = tCdf(-shifted / diff.se, diff.df);
    lowerBound = diff.meanDiff - tQuantile(1 - alpha, diff.df) * diff.se;
  } else {
    pValue = shifted > 0 ? 0 : 1;
    lowerBound = diff.meanDiff;
  }
  return { nonInferior: pValue < alpha, lowerBound, pValue, margin, alpha };
}
