// Exact predictive tail probabilities for counts in the current run given a baseline, used where
// a normal approximation would lie about the far tail that a false-alarm budget of 1 in
// thousands lives in: failures of cases that (almost) never fail, budget hits, agent errors.
// (Not in src/stats: the beta-binomial predictive and the weighted convolution are written here.)
import { normalCdf } from "../stats/distributions.ts";

/** A probability table over 0..probs.length−1. */
export type Pmf = Float64Array;

/**
 * Beta-binomial(n, a, b) probabilities P(X = 0..n): the predictive distribution of the number of
 * "events" in n new trials when the event rate has a Beta(a, b) distribution (a = baseline
 * events + ½, b = baseline non-events + ½ under Jeffreys' prior). Built in log space from the
 * ratio P(x+1)/P(x) = (n−x)(x+a)/((x+1)(n−x−1+b)) and normalised, so nothing overflows.
 */
export function betaBinomialPmf(n: number, a: number, b: number): Pmf {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`betaBinomialPmf: n must be a non-negative integer, got ${n}`);
  if (!(a > 0) || !(b > 0)) throw new RangeError(`betaBinomialPmf: a and b must be > 0, got a=${a}, b=${b}`);
  const logs = new Float64Array(n + 1);
  for (let x = 0; x < n; x++) logs[x + 1] = logs[x]! + Math.log(((n - x) * (x + a)) / ((x + 1) * (n - x - 1 + b)));
  let max = Number.NEGATIVE_INFINITY;
  for (const l of logs) if (l > max) max = l;
  const probs = new Float64Array(n + 1);
  let total = 0;
  for (let x = 0; x <= n; x++) {
    probs[x] = Math.exp(logs[x]! - max);
    total += probs[x]!;
  }
  for (let x = 0; x <= n; x++) probs[x] = probs[x]! / total;
  return probs;
}

/** P(X ≥ x) from a table. */
export function upperTail(pmf: Pmf, x: number): number {
  if (x <= 0) return 1;
  let s = 0;
  for (let j = Math.ceil(x); j < pmf.length; j++) s += pmf[j]!;
  return Math.min(1, s);
}

/**
 * The Beta(a, b) predictive for a rate estimated from `events` of `trials` baseline trials
 * (Jeffreys' prior), widened for run-to-run variation: when the rate of a run scatters around
 * its long-run value with variance ρ·p(1−p) (ρ: intra-run correlation of trials), the rate of
 * the next run has variance p(1−p)·(1/(c+1) + ρ), c = a + b, which is a Beta with the same mean
 * and concentration c′ = 1/(1/(c+1) + ρ) − 1.
 */
export function predictiveBeta(events: number, trials: number, rho = 0): { a: number; b: number } {
  const a = events + 0.5;
  const b = trials - events + 0.5;
  if (!(rho > 0)) return { a, b };
  const c = a + b;
  const cPrime = 1 / (1 / (c + 1) + Math.min(rho, 0.999)) - 1;
  // Below c′ ≈ 0 the Beta would not exist; a tiny floor keeps it a (very wide) distribution.
  const cp = Math.max(cPrime, 1e-3);
  return { a: (a / c) * cp, b: (b / c) * cp };
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
  /** The observed weighted sum (on the rounded weights actually tested). */
  observed: number;
  /** Its expectation under the null. */
  expected: number;
  method: "exact" | "normal";
}

// Grid resolution for the convolution: weights are rounded to multiples of (max sum)/GRID; the
// test is exact for the rounded statistic, so rounding costs a little power, never calibration.
const GRID = 4000;
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
    const z = (observed - expected) / Math.sqrt(variance);
    return { p: variance > 0 ? normalCdf(-z) : observed > expected ? 0 : 1, observed, expected, method: "normal" };
  }
  let dist = Float64Array.of(1);
  live.forEach((t, i) => {
    const w = ints[i]!;
    const next = new Float64Array(dist.length + w * (t.pmf.length - 1));
    for (let x = 0; x < t.pmf.length; x++) {
      const q = t.pmf[x]!;
      if (q === 0) continue;
      const shift = w * x;
      for (let j = 0; j < dist.length; j++) next[j + shift] = next[j + shift]! + q * dist[j]!;
    }
    dist = next;
  });
  return { p: upperTail(dist, observedInt), observed, expected, method: "exact" };
}
