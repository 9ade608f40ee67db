// The release gate's verdict: is the candidate no worse than the incumbent by more than the
// margin? Paired by case, since both agents answered the same cases.
import { nonInferiority, pairedDifference, withSeFloor } from "../stats/paired.ts";
import { repeatsNeeded } from "../stats/power.ts";
import { mcnemar, newcombePairedDiff, newcombePairedNonInferiorityP } from "../stats/proportions.ts";

/** One case's counts for one agent. */
export interface GateCase {
  id: string;
  passes: number;
  scored: number;
}

export type GateDecision = "pass" | "fail" | "inconclusive";

/** The verdict and the numbers behind it. */
export interface GateVerdict {
  decision: GateDecision;
  /** Why, in one sentence. */
  reason: string;
  /** Cases scored for both agents, and repeats per case. */
  cases: number;
  repeats: number;
  incumbentAccuracy: number;
  candidateAccuracy: number;
  /** Mean per-case difference, candidate − incumbent (negative: the candidate is worse). */
  difference: number;
  /** Two-sided (1 − 2α) interval for the difference: its ends are the one-sided (1 − α) bounds. */
  interval: { low: number; high: number; level: number };
  margin: number;
  alpha: number;
  method: "paired-t" | "mcnemar-newcombe";
  /**
   * One-sided p for H0 "the candidate is worse by the margin or more", from the same statistics
   * as the interval (paired t; Newcombe's interval inverted when N = 1): the verdict is pass
   * exactly when p < α, and fail exactly when p > 1 − α (then 1 − p is the p for "worse by more
   * than the margin").
   */
  pValue: number;
  /** Paired t: the binomial floor, not the spread of the per-case differences, set the standard error (the cases moved alike). */
  varianceFloor?: boolean;
  /** N = 1: McNemar's two-sided mid-p for "no difference at all" (another question than the verdict's). */
  mcnemarMidP?: number;
  /** When inconclusive: repeats per case that would likely decide it (80% power if the observed difference is the truth); null when more repeats cannot (add cases). */
  repeatsToDecide?: number | null;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * Non-inferiority decision with margin m at one-sided level α (default 0.05):
 * pass when the lower (1 − α) bound of candidate − incumbent is above −m (the candidate is no
 * worse by m or more); fail when the upper (1 − α) bound is below −m (it is worse by more than
 * m); inconclusive otherwise (the interval contains −m). Both bounds come from one two-sided
 * (1 − 2α) interval, so pass and fail can never both hold. The interval is the paired t over
 * per-case pass-rate differences with K − 1 degrees of freedom, its standard error floored by the
 * binomial model's (see binomialFloorSe: when every case moves alike the sample SD is 0, and the
 * interval would claim certainty); with one repeat per case (binary outcomes) it is Newcombe's
 * paired score interval, with the p-value from inverting it and McNemar's mid-p alongside.
 */
export function decideGate(
  incumbent: readonly GateCase[],
  candidate: readonly GateCase[],
  opts: { margin: number; alpha?: number },
): GateVerdict {
  const alpha = opts.alpha ?? 0.05;
  const margin = opts.margin;
  const byId = new Map(candidate.map((c) => [c.id, c]));
  const pairs = incumbent.flatMap((inc) => {
    const cand = byId.get(inc.id);
    return cand && inc.scored > 0 && cand.scored > 0 ? [{ inc, cand }] : [];
  });
  const k = pairs.length;
  const repeats = Math.max(0, ...pairs.flatMap((p) => [p.inc.scored, p.cand.scored]));
  const incRates = pairs.map((p) => p.inc.passes / p.inc.scored);
  const candRates = pairs.map((p) => p.cand.passes / p.cand.scored);
  const base = {
    cases: k,
    repeats,
    incumbentAccuracy: k > 0 ? mean(incRates) : Number.NaN,
    candidateAccuracy: k > 0 ? mean(candRates) : Number.NaN,
    margin,
    alpha,
  };
  if (k < 2) {
    return {
      ...base,
      decision: "inconclusive",
      reason: `only ${k} case${k === 1 ? "" : "s"} scored for both agents; a paired comparison needs at least 2`,
      difference: k === 1 ? candRates[0]! - incRates[0]! : Number.NaN,
      interval: { low: -1, high: 1, level: 1 - 2 * alpha },
      method: "paired-t",
      pValue: Number.NaN,
      repeatsToDecide: null,
    };
  }

  const { difference, low, high, pValue, method, extra } = pairedEstimate(pairs, incRates, candRates, repeats, margin, alpha);
  const interval = { low, high, level: 1 - 2 * alpha };
  const pts = (x: number) => `${x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(1)}`;
  const span = `[${pts(low)}, ${pts(high)}] points`;
  if (low > -margin) {
    return {
      ...base,
      decision: "pass",
      difference,
      interval,
      method,
      pValue,
      ...extra,
      reason: `candidate − incumbent ${pts(difference)} points, ${Math.round(interval.level * 100)}% interval ${span}: no worse than the margin of ${pts(margin)} points`,
    };
  }
  if (high < -margin) {
    return {
      ...base,
      decision: "fail",
      difference,
      interval,
      method,
      pValue,
      ...extra,
      reason: `candidate − incumbent ${pts(difference)} points, ${Math.round(interval.level * 100)}% interval ${span}: worse by more than the margin of ${pts(margin)} points`,
    };
  }
  return {
    ...base,
    decision: "inconclusive",
    difference,
    interval,
    method,
    pValue,
    ...extra,
    reason: `candidate − incumbent ${pts(difference)} points, ${Math.round(interval.level * 100)}% interval ${span} contains the margin ${pts(-margin)} points`,
    repeatsToDecide: repeatsToDecide(pairs, difference, margin, alpha, repeats),
  };
}

type Pair = { inc: GateCase; cand: GateCase };

/** Candidate − incumbent with its (1 − 2α) interval and non-inferiority p: McNemar–Newcombe for one repeat, else the paired t. */
function pairedEstimate(
  pairs: readonly Pair[],
  incRates: readonly number[],
  candRates: readonly number[],
  repeats: number,
  margin: number,
  alpha: number,
): {
  difference: number;
  low: number;
  high: number;
  pValue: number;
  method: GateVerdict["method"];
  extra: Pick<GateVerdict, "varianceFloor" | "mcnemarMidP">;
} {
  if (repeats === 1) {
    // Binary outcomes: a = both pass, b = only the candidate passes, c = only the incumbent, d = neither.
    const t = { a: 0, b: 0, c: 0, d: 0 };
    for (const p of pairs) {
      const ci = p.cand.passes > 0;
      const ii = p.inc.passes > 0;
      if (ci && ii) t.a++;
      else if (ci) t.b++;
      else if (ii) t.c++;
      else t.d++;
    }
    // Candidate first: the interval and p are for candidate − incumbent = (b − c)/K.
    const iv = newcombePairedDiff(t, 1 - 2 * alpha);
    return {
      difference: iv.estimate,
      low: iv.low,
      high: iv.high,
      pValue: newcombePairedNonInferiorityP(t, margin),
      method: "mcnemar-newcombe",
      extra: { mcnemarMidP: mcnemar(t.b, t.c).pMid },
    };
  }
  const diff = withSeFloor(pairedDifference(incRates, candRates, 1 - 2 * alpha), binomialFloorSe(pairs));
  return {
    difference: diff.meanDiff,
    low: diff.interval.low,
    high: diff.interval.high,
    // One-sided p for H0: μ_d ≤ −m (t on K − 1 df).
    pValue: nonInferiority(diff, margin, alpha).pValue,
    method: "paired-t",
    extra: { varianceFloor: diff.floored },
  };
}

/**
 * Pass rates shrunk toward their arm's pooled rate by this many pseudo-trials for the variance
 * floor, and the pooled rate itself kept off 0 and 1 by one pass and one failure
 * (Agresti–Caffo): a case that passed 5 of 5 is not certain to, but 30 of 30 across ten cases
 * says more than 5 of 5 alone.
 */
const SHRINK_TRIALS = 2;

/**
 * The binomial model's standard error of the mean per-case difference: with independent trials,
 * Var(p̂_cand,i − p̂_inc,i) = p_c(1 − p_c)/n_c + p_i(1 − p_i)/n_i for each case, so
 * SE(d̄) ≥ √(Σᵢ vᵢ)/K whatever the cases do. The sample SD of the differences estimates this plus
 * the spread of true per-case changes, so it falls below only by chance, and all the way to 0
 * when every case moved by the same amount (all passing in both arms, say). Rates are shrunk
 * (SHRINK_TRIALS), so a case at 0% or 100% still counts.
 */
export function binomialFloorSe(pairs: readonly { inc: GateCase; cand: GateCase }[]): number {
  const k = pairs.length;
  if (k === 0) return Number.NaN;
  const variances = (cases: readonly GateCase[]) => shrunkRates(cases).map((p, i) => (p * (1 - p)) / cases[i]!.scored);
  const vInc = variances(pairs.map((p) => p.inc));
  const vCand = variances(pairs.map((p) => p.cand));
  const total = vInc.reduce((s, v, i) => s + v + vCand[i]!, 0);
  return Math.sqrt(total) / k;
}

/** One arm's per-case pass rates shrunk toward its pooled rate (see SHRINK_TRIALS). */
function shrunkRates(cases: readonly GateCase[]): number[] {
  const x = cases.reduce((s, c) => s + c.passes, 0);
  const n = cases.reduce((s, c) => s + c.scored, 0);
  const pooled = (x + 1) / (n + 2);
  return cases.map((c) => (c.passes + SHRINK_TRIALS * pooled) / (c.scored + SHRINK_TRIALS));
}

/**
 * Repeats per case that would decide, if the observed difference is the true one: the
 * distance from the estimate to the margin, |d̄ + m|, must be the minimum detectable effect of
 * a one-sided level-α test with 80% power (Miller 2024's paired design, src/stats/power.ts):
 * Var(d̄) = (2σ²_within/N + ω²)/K, with σ²_within estimated from the shrunk per-case rates
 * (p̃(1 − p̃), averaged over cases and agents, so cases that all passed still count) and ω² (the spread of true
 * per-case differences, which repeats cannot reduce) from the observed variance of per-case
 * differences minus its within-case part. Null when ω² alone is too wide: only more cases help.
 */
function repeatsToDecide(
  pairs: readonly { inc: GateCase; cand: GateCase }[],
  difference: number,
  margin: number,
  alpha: number,
  repeats: number,
): number | null {
  const k = pairs.length;
  const n = repeats;
  const rates = [...shrunkRates(pairs.map((p) => p.inc)), ...shrunkRates(pairs.map((p) => p.cand))];
  const meanRate = mean(rates);
  const within = mean(rates.map((r) => r * (1 - r)));
  const diffs = pairs.map((p) => p.cand.passes / p.cand.scored - p.inc.passes / p.inc.scored);
  const dm = mean(diffs);
  const sd2 = diffs.reduce((s, d) => s + (d - dm) ** 2, 0) / (k - 1);
  const omega2 = Math.max(0, sd2 - (2 * within) / n);
  const total = meanRate * (1 - meanRate);
  const distance = Math.abs(difference + margin);
  if (!(distance > 0) || !(total > 0)) return null;
  const needed = repeatsNeeded({
    k,
    meanRate,
    betweenCaseVar: Math.max(0, Math.min(total, total - within)),
    diffVar: omega2,
    targetDrop: distance,
    // power.ts is two-sided at α; the gate's bounds are one-sided at α.
    alpha: 2 * alpha,
    power: 0.8,
    paired: true,
  });
  return Number.isFinite(needed) ? Math.max(needed, n + 1) : null;
}
