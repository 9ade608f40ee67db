// Mann–Whitney U (Wilcoxon rank-sum) test for two independent samples, two-sided. Used where
// pairing is impossible (e.g. latency or cost samples from different runs).
import { normalCdf } from "./distributions.ts";

/** How the p-value was obtained. */
export type MannWhitneyMethod = "exact" | "normal";

/** Result of a Mann–Whitney test of x against y. */
export interface MannWhitneyResult {
  /** U for x: pairs with x > y, plus half the tied pairs (R's W, scipy's U1). */
  u: number;
  n1: number;
  n2: number;
  /** Two-sided p-value. */
  pValue: number;
  method: MannWhitneyMethod;
  /** z score of the normal approximation (with continuity correction); NaN for the exact method. */
  z: number;
  /** u/(n1·n2): estimated P(X > Y) + ½P(X = Y), the common-language effect size. */
  probSuperiority: number;
}

/** Options for {@link mannWhitney}. */
export interface MannWhitneyOptions {
  /**
   * "auto" (default) uses the exact null distribution when there are no ties and both samples
   * have fewer than 50 values (R's wilcox.test rule), else the normal approximation. "exact"
   * with ties is refused: the exact distribution here assumes distinct values.
   */
  method?: "auto" | MannWhitneyMethod;
}

// R's wilcox.test switches to the normal approximation at 50 per sample; the exact computation
// below is O(n1²·n2²/4), about 1.6M steps at 50 × 50.
const EXACT_MAX = 50;

/** Midranks (1-based) of the pooled sample, and Σ(t³ − t) over tie groups. */
function rankPooled(values: readonly number[]): { ranks: Float64Array; tieTerm: number } {
  const order = values.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const ranks = new Float64Array(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const mid = (i + j) / 2 + 1;
    for (let r = i; r <= j; r++) ranks[order[r]![1]] = mid;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { ranks, tieTerm };
}

/**
 * Exact null distribution of U for sample sizes m, n without ties: probs[u] = P(U = u).
 * Recurrence on the largest pooled value: it belongs to x with probability i/(i+j) and then
 * beats all j values of y, so f(i,j)(u) = i/(i+j)·f(i−1,j)(u − j) + j/(i+j)·f(i,j−1)(u).
 * Every step is a convex combination of probabilities, so nothing overflows or cancels.
 */
export function exactUDistribution(m: number, n: number): Float64Array {
  // prev[j] = f(i−1, j), cur[j] = f(i, j), each of length (i·j + 1).
  let prev: Float64Array[] = [];
  for (let j = 0; j <= n; j++) prev.push(Float64Array.of(1));
  for (let i = 1; i <= m; i++) {
    const cur: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= n; j++) {
      const f = new Float64Array(i * j + 1);
      const fromX = prev[j]!;
      const fromY = cur[j - 1]!;
      const wx = i / (i + j);
      const wy = j / (i + j);
      for (let u = 0; u < fromY.length; u++) f[u] = wy * fromY[u]!;
      for (let u = 0; u < fromX.length; u++) f[u + j] = f[u + j]! + wx * fromX[u]!;
      cur.push(f);
    }
    prev = cur;
  }
  return prev[n]!;
}

/**
 * Two-sided Mann–Whitney U test. Exact: p = 2·P(U ≥ max(U, n1n2 − U)), capped at 1. Normal:
 * z = (U − n1n2/2 − ½·sign)/σ with σ² = n1n2/12·((N + 1) − Σ(t³ − t)/(N(N − 1))), the tie and
 * continuity corrected form of R's wilcox.test and scipy's mannwhitneyu. Empty samples give NaN.
 */
export function mannWhitney(x: readonly number[], y: readonly number[], options: MannWhitneyOptions = {}): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  const nan = Number.NaN;
  if (n1 === 0 || n2 === 0) return { u: nan, n1, n2, pValue: nan, method: "normal", z: nan, probSuperiority: nan };
  if ([...x, ...y].some((v) => !Number.isFinite(v))) throw new RangeError("mannWhitney: values must be finite numbers");
  const { ranks, tieTerm } = rankPooled([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < n1; i++) rankSumX += ranks[i]!;
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const mn = n1 * n2;
  const probSuperiority = u / mn;
  const ties = tieTerm > 0;
  const requested = options.method ?? "auto";
  if (requested === "exact" && ties) throw new RangeError("mannWhitney: the exact method needs distinct values (ties present)");
  const exact = requested === "exact" || (requested === "auto" && !ties && n1 < EXACT_MAX && n2 < EXACT_MAX);
  if (exact) {
    const dist = exactUDistribution(n1, n2);
    const uMax = Math.max(u, mn - u);
    let upper = 0;
    for (let k = Math.round(uMax); k <= mn; k++) upper += dist[k]!;
    return { u, n1, n2, pValue: Math.min(1, 2 * upper), method: "exact", z: nan, probSuperiority };
  }
  const total = n1 + n2;
  const sigma = Math.sqrt((mn / 12) * (total + 1 - tieTerm / (total * (total - 1))));
  const centred = u - mn / 2;
  if (!(sigma > 0)) return { u, n1, n2, pValue: 1, method: "normal", z: 0, probSuperiority };
  // The continuity correction moves U half a step towards the mean, never past it.
  const z = (centred - 0.5 * Math.sign(centred)) / sigma;
  return { u, n1, n2, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))), method: "normal", z, probSuperiority };
}
