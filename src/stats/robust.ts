// Robust location and spread for spend and latency baselines, where one runaway run must not
// inflate the yardstick it is judged by.

// 1/Φ⁻¹(0.75): makes the MAD a consistent estimator of σ for normal data (R's mad() default).
const MAD_TO_SD = 1.4826;
// Φ⁻¹(0.75), Iglewicz & Hoaglin's constant in M = 0.6745·(x − median)/MAD.
const IGLEWICZ_HOAGLIN = 0.6745;
// √(π/2): E|X − μ| = σ·√(2/π) for normal data, so 1.253314·MeanAD estimates σ.
const MEAN_AD_TO_SD = 1.253314;

/** Median of an unsorted sample (mean of the two middle values for even sizes); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Raw median absolute deviation, median(|x − median(x)|); NaN when empty. */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

/** MAD scaled by 1.4826 to estimate the standard deviation of normal data. */
export function madScaled(xs: readonly number[]): number {
  return MAD_TO_SD * mad(xs);
}

/** Mean absolute deviation around the median, mean(|x − median(x)|); NaN when empty. */
export function meanAbsoluteDeviation(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const m = median(xs);
  let s = 0;
  for (const x of xs) s += Math.abs(x - m);
  return s / xs.length;
}

/** Which spread a modified z-score was scaled by. */
export type ModifiedZMethod = "mad" | "meanAd" | "constant";

/** A modified z-score and the spread it was scaled by. */
export interface ModifiedZ {
  z: number;
  method: ModifiedZMethod;
}

/**
 * Modified z-score scorer for a baseline sample (Iglewicz & Hoaglin 1993):
 * M = 0.6745·(x − median)/MAD. When more than half the baseline is identical the MAD is 0;
 * then, following the convention documented for IBM SPSS/Cognos, the mean absolute deviation
 * around the median stands in: M = (x − median)/(1.253314·MeanAD), still on a σ scale.
 * When that is 0 too (a constant baseline), M is 0 at the median and ±Infinity elsewhere: any
 * departure from a perfectly constant history is unboundedly surprising. NaN for an empty baseline.
 */
export function modifiedZScorer(baseline: readonly number[]): (x: number) => ModifiedZ {
  if (baseline.length === 0) return () => ({ z: Number.NaN, method: "constant" });
  const m = median(baseline);
  const rawMad = mad(baseline);
  if (rawMad > 0) return (x) => ({ z: (IGLEWICZ_HOAGLIN * (x - m)) / rawMad, method: "mad" });
  const meanAd = meanAbsoluteDeviation(baseline);
  if (meanAd > 0) return (x) => ({ z: (x - m) / (MEAN_AD_TO_SD * meanAd), method: "meanAd" });
  return (x) => ({ z: x === m ? 0 : x > m ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY, method: "constant" });
}

/** Modified z-score of `x` against a baseline sample (see {@link modifiedZScorer}). */
export function modifiedZ(x: number, baseline: readonly number[]): number {
  return modifiedZScorer(baseline)(x).z;
}

/** Modified z-score of every value of a sample against the sample itself. */
export function modifiedZScores(xs: readonly number[]): number[] {
  const score = modifiedZScorer(xs);
  return xs.map((x) => score(x).z);
}
