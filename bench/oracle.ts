// The ceiling for the sudden-drop figure of bench/detection.ts: the most powerful test of a drop
// when the true rates are known, with its exact null distribution by convolution.
import type { RunPoint } from "../src/detect/types.ts";
import { upperTail, type Pmf } from "../src/detect/predictive.ts";
import { binomialTable } from "../src/stats/discrete.ts";
import { normalCdf } from "../src/stats/distributions.ts";

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

/**
 * The Neyman–Pearson test of "every case's rate fell by δ" against "nothing changed" when the true
 * rates are known: reject for large Σ wᵢ·failuresᵢ with wᵢ = log((1 − pᵢ + δ)/(1 − pᵢ)) −
 * log((pᵢ − δ)/pᵢ), its null distribution exact by convolution. No detector that has to estimate
 * the rates from a baseline can do better, so its power is the ceiling for the sudden-drop figure.
 */
export function oracleP(rates: readonly number[], run: RunPoint, delta: number): number {
  const terms = run.cases.map((c, i) => {
    const p = Math.min(rates[i]!, 1 - 1e-9);
    const q = Math.max(p - delta, 1e-9);
    const passes = binomialTable(c.scored, p).probs;
    return {
      weight: Math.log((1 - q) / (1 - p)) - Math.log(q / p),
      pmf: Float64Array.from(passes).reverse(),
      observed: c.scored - c.passes,
    };
  });
  return weightedSumTail(terms).p;
}
