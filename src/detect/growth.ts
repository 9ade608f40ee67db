// Shared test for "this run's number grew against the baseline's": a growth ratio for practical
// significance and a robust z for statistical significance, on a log scale (costs and latencies
// are multiplicative: ×2 and ×0.5 are the same distance).
import { median, modifiedZScorer } from "../stats/robust.ts";
import { robustZThreshold } from "./policy.ts";

/** How far a value sits above its baseline. */
export interface Growth {
  value: number;
  median: number;
  ratio: number;
  /** Modified z-score of log(value) against log(baseline values). */
  z: number;
  threshold: number;
  /** Both the ratio and the z are past their thresholds. */
  alarm: boolean;
}

/**
 * Growth of `value` over positive baseline values: alarm when value/median ≥ `minRatio` and the
 * modified z of log(value) exceeds the t-referred threshold for one-sided level `alpha` (see
 * robustZThreshold). Undefined without positive values to compare.
 */
export function growth(value: number | null, baseline: readonly (number | null)[], minRatio: number, alpha: number): Growth | undefined {
  const xs = baseline.filter((x): x is number => x !== null && Number.isFinite(x) && x > 0);
  if (value === null || !(value > 0) || xs.length < 2) return undefined;
  const m = median(xs);
  const score = modifiedZScorer(xs.map(Math.log));
  const z = score(Math.log(value)).z;
  const threshold = robustZThreshold(alpha, xs.length);
  const ratio = value / m;
  return { value, median: m, ratio, z, threshold, alarm: ratio >= minRatio && z > threshold };
}
