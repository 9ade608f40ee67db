// The exact upper tail of a weighted sum of independent counts, by convolution on an integer
// grid. The sudden-drop detector's conditional test (src/stats/stratified.ts) and the detection
// bench's oracle both use it.
import { normalCdf } from "./distributions.ts";

/** A probability table over 0..length−1. */
export type Pmf = Float64Array;

/** P(X ≥ x) from a table. */
export function upperTail(pmf: Pmf, x: number): number {
  if (x <= 0) return 1;
  let s = 0;
  for (let j = Math.ceil(x); j < pmf.length; j++) s += pmf[j]!;
  return Math.min(1, s);
}

/** One term of a weighted sum of independent counts: `weight × X`, X ~ `pmf`. */
export interface WeightedCount {
  weight: number;
  pmf: Pmf;
  observed: number;
}

/** Result of {@link weightedSumTail}. */
export interface WeightedTail {
  /** P(T ≥ t_observed) under the product of the terms' distributions. */
  p: number;
  /** The observed weighted sum, on the weights actually tested: rounded to the grid (exact), as given (normal). */
  observed: number;
  /** Its expectation under the null. */
  expected: number;
  method: "exact" | "normal";
}

// Grid resolution for the convolution: weights are rounded to multiples of (max sum)/GRID; the
// test is exact for the rounded statistic, so rounding costs a little power, never calibration.
const GRID = 2000;
// Above this many multiply-adds the convolution is replaced by a normal approximation (only
// reached with hundreds of repeats per case, where the counts are near normal anyway).
const MAX_WORK = 60_000_000;

/**
 * Upper tail of T = Σ wᵢ·Xᵢ for independent counts Xᵢ with given tables and weights ≥ 0: exact
 * by convolution on an integer grid (weights rounded to the grid, observed T computed with the
 * same rounded weights, so the p-value is exact for the statistic tested).
 */
export function weightedSumTail(terms: readonly WeightedCount[]): WeightedTail {
  const live = terms.filter((t) => t.weight > 0 && t.pmf.length > 1);
  // Stryker disable next-line ConditionalExpression: `false` is equivalent, with no live term the code below returns the same p = 1, observed 0, expected 0 (maxSum 0, dist [1])
  if (live.length === 0) return { p: 1, observed: 0, expected: 0, method: "exact" };
  const maxSum = live.reduce((s, t) => s + t.weight * (t.pmf.length - 1), 0);
  const unit = maxSum / GRID;
  const ints = live.map((t) => Math.max(1, Math.round(t.weight / unit)));
  let observedInt = 0;
  let expected = 0;
  let variance = 0;
  live.forEach((t, i) => {
    observedInt += ints[i]! * t.observed;
    let m = 0;
    let m2 = 0;
    t.pmf.forEach((q, x) => {
      m += q * x;
      m2 += q * x * x;
    });
    expected += t.weight * m;
    variance += t.weight * t.weight * (m2 - m * m);
  });
  const observed = observedInt * unit;
  // Each convolution step costs (table length) × (distribution length so far).
  let work = 0;
  let length = 1;
  live.forEach((t, i) => {
    length += ints[i]! * (t.pmf.length - 1);
    work += t.pmf.length * length;
  });
  if (work > MAX_WORK) {
    // The approximation needs no grid, so it tests the sum on the weights as given, the scale of
    // `expected` and `variance`. (Work this large means long tables and a coarse grid: rounding can
    // raise a weight by whole steps, and the rounded sum against `expected` would signal a drop that
    // is not there.)
    const given = live.reduce((s, t) => s + t.weight * t.observed, 0);
    const z = (given - expected) / Math.sqrt(variance);
    return { p: variance > 0 ? normalCdf(-z) : given > expected ? 0 : 1, observed: given, expected, method: "normal" };
  }
  let dist = Float64Array.of(1);
  live.forEach((t, i) => {
    const w = ints[i]!;
    // Stryker disable next-line ArithmeticOperator: `t.pmf.length + 1` is equivalent, it only appends cells that stay 0 (the tests kill the other arithmetic mutants of this line)
    const next = new Float64Array(dist.length + w * (t.pmf.length - 1));
    for (let x = 0; x < t.pmf.length; x++) {
      const q = t.pmf[x]!;
      // Stryker disable next-line ConditionalExpression: `false` is equivalent, a zero probability adds 0 to each cell; the skip only saves time
      if (q === 0) continue;
      const shift = w * x;
      for (let j = 0; j < dist.length; j++) next[j + shift] = next[j + shift]! + q * dist[j]!;
    }
    dist = next;
  });
  return { p: upperTail(dist, observedInt), observed, expected, method: "exact" };
}
