import { mean, sampleSd } from "./descriptive.ts";
import { normalQuantile, tQuantile } from "./distributions.ts";

/** A two-sided confidence interval around an estimate. */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
  level: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** Wilson score interval for `successes` out of `n` (never the Wald interval). */
export function wilson(successes: number, n: number, level = 0.95): Interval {
  if (n <= 0) return { estimate: Number.NaN, low: 0, high: 1, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { estimate: p, low: clamp01(centre - half), high: clamp01(centre + half), level };
}

/** t-interval for the mean of a sample, with its standard error. */
export function tInterval(xs: readonly number[], level = 0.95): Interval & { se: number; df: number } {
  const k = xs.length;
  const m = mean(xs);
  const se = sampleSd(xs) / Math.sqrt(k);
  const df = k - 1;
  const t = tQuantile(1 - (1 - level) / 2, df);
  return { estimate: m, low: m - t * se, high: m + t * se, level, se, df };
}

/** How an accuracy interval was computed. */
export type AccuracyMethod = "t-cases" | "wilson-pooled";

export interface AccuracyInterval extends Interval {
  method: AccuracyMethod;
  /** Standard error of the mean of per-case pass rates (NaN when not defined). */
  se: number;
  /** Wilson interval on the pooled pass rate, always given alongside. */
  pooled: Interval;
}

/**
 * Accuracy over K cases with per-case pass counts. The case is the unit of evidence (trials of one
 * case are correlated): the t-interval over per-case pass rates. With one repeat, fewer than two
 * cases, or no between-case spread (a zero-width t-interval would claim certainty it does not
 * have), the Wilson interval on the pooled rate is the primary interval instead.
 */
export function accuracyInterval(cases: readonly { passes: number; trials: number }[], level = 0.95): AccuracyInterval {
  const scored = cases.filter((c) => c.trials > 0);
  const passes = scored.reduce((s, c) => s + c.passes, 0);
  const trials = scored.reduce((s, c) => s + c.trials, 0);
  const pooled = wilson(passes, trials, level);
  const rates = scored.map((c) => c.passes / c.trials);
  const maxRepeats = Math.max(0, ...scored.map((c) => c.trials));
  // Stryker disable next-line ConditionalExpression: `true` is equivalent, tInterval's se is NaN below two rates and the pooled branch then returns that same NaN
  const t = rates.length >= 2 ? tInterval(rates, level) : undefined;
  if (!t || maxRepeats <= 1 || !(t.se > 0)) {
    return { ...pooled, method: "wilson-pooled", se: t?.se ?? Number.NaN, pooled };
  }
  return {
    estimate: t.estimate,
    low: clamp01(t.low),
    high: clamp01(t.high),
    level,
    method: "t-cases",
    se: t.se,
    pooled,
  };
}
