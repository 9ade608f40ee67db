// The ceiling for the sudden-drop figure of bench/detection.ts: the most powerful test of a drop
// when the true rates are known, with its exact null distribution by convolution.
import type { RunPoint } from "../src/detect/types.ts";
import { binomialTable } from "../src/stats/discrete.ts";
import { weightedSumTail } from "../src/stats/weighted-sum.ts";

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
