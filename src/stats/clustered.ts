// A mean over observations that come in clusters (one production input's repeats are not
// independent): the cluster is the unit of evidence, as the case is for accuracy (DESIGN.md).
import { mean, sampleSd } from "./descriptive.ts";
import { tQuantile } from "./distributions.ts";

/** One observation and the cluster it belongs to. */
export interface ClusteredValue {
  cluster: string;
  value: number;
}

/** The mean of per-cluster means with its t interval. */
export interface ClusteredMean {
  estimate: number;
  low: number;
  high: number;
  level: number;
  /** Clusters K; df = K − 1. */
  clusters: number;
  se: number;
  df: number;
  /** The standard error was raised to the floor (every cluster gave nearly the same mean). */
  floored: boolean;
}

/** Per-cluster means, in first-seen order. */
export function clusterMeans(values: readonly ClusteredValue[]): number[] {
  const sums = new Map<string, { s: number; n: number }>();
  for (const v of values) {
    const a = sums.get(v.cluster) ?? { s: 0, n: 0 };
    a.s += v.value;
    a.n++;
    sums.set(v.cluster, a);
  }
  return [...sums.values()].map((a) => a.s / a.n);
}

/**
 * Mean of per-cluster means ± t(K − 1)·sd/√K. With the same number of observations per cluster
 * this is the cluster-robust (CR1-like) interval with the small-sample t correction; it is exact
 * in its degrees of freedom for normal cluster means and, unlike a cluster bootstrap, deterministic
 * and not anti-conservative at K ≈ 10–30. `floor(m, K)` may give a least standard error (for a
 * bounded score, the spread a next, unseen cluster could add), so K identical clusters do not
 * claim certainty. Below two clusters the interval is NaN.
 */
export function clusteredMean(
  values: readonly ClusteredValue[],
  level = 0.95,
  floor?: (estimate: number, k: number) => number,
): ClusteredMean {
  const means = clusterMeans(values);
  const k = means.length;
  const estimate = mean(means);
  if (k < 2) {
    return { estimate, low: Number.NaN, high: Number.NaN, level, clusters: k, se: Number.NaN, df: k - 1, floored: false };
  }
  const sampleSe = sampleSd(means) / Math.sqrt(k);
  const least = floor ? floor(estimate, k) : 0;
  const floored = least > sampleSe;
  const se = floored ? least : sampleSe;
  const half = tQuantile(1 - (1 - level) / 2, k - 1) * se;
  return { estimate, low: estimate - half, high: estimate + half, level, clusters: k, se, df: k - 1, floored };
}

/**
 * The floor for a score in [0, 1]: the standard error the K cluster means would have with one
 * more cluster at 1 and one at 0 (Agresti–Caffo's pseudo-observations, applied to clusters).
 * Binds only when nearly every cluster gave the same mean, e.g. a judge that called every pair
 * a tie; otherwise the sample spread is larger.
 */
export function unitScoreFloor(estimate: number, k: number): number {
  return Math.sqrt((estimate * estimate + (1 - estimate) * (1 - estimate)) / (k + 1) / k);
}

/**
 * clusteredMean for a score in [0, 1], with the interval on the arcsine-square-root scale
 * (Anscombe's variance-stabilising transform) and mapped back: asymmetric near 0 and 1 and never
 * outside them. On the raw scale the spread of bounded scores shrinks as their mean moves away
 * from ½, so a mean that came out low by chance also gets a narrow interval, and one-sided t
 * bounds err more often on that side (5.7% instead of 5% at 20 inputs, in `npm run bench --
 * shadow`'s model); on this scale each side stays at or below its nominal rate. The standard error
 * is floored by unitScoreFloor; the transform's slope is taken at the mean shrunk by one
 * pseudo-cluster at 0 and one at 1, so a mean of exactly 0 or 1 still gets a finite interval.
 */
export function boundedMean(values: readonly ClusteredValue[], level = 0.95): ClusteredMean {
  const m = clusteredMean(values, level, unitScoreFloor);
  if (m.clusters < 2) return m;
  const k = m.clusters;
  const shrunk = (m.estimate * k + 1) / (k + 2);
  const sePhi = m.se / (2 * Math.sqrt(shrunk * (1 - shrunk)));
  const phi = Math.asin(Math.sqrt(Math.min(1, Math.max(0, m.estimate))));
  const half = tQuantile(1 - (1 - level) / 2, m.df) * sePhi;
  return { ...m, low: Math.sin(Math.max(0, phi - half)) ** 2, high: Math.sin(Math.min(Math.PI / 2, phi + half)) ** 2 };
}
