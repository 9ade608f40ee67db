// A stratified conditional exact test of "this run fails more often than the baseline", one
// stratum per case. Given a case's pooled failures (baseline + now), its failures in this run are
// hypergeometric under "nothing changed", whatever the case's true rate: the test needs no
// variance estimate and no skewness correction, and its false-alarm rate is at most α at any true
// rates (Mantel–Haenszel's conditioning, with the exact null distribution by convolution).
import { hypergeometricTable } from "./discrete.ts";
import { weightedSumTail, type WeightedCount } from "./weighted-sum.ts";

/** One case: its failures and scored trials now and in the baseline. */
export interface Stratum {
  failsNow: number;
  scoredNow: number;
  failsBase: number;
  scoredBase: number;
}

/** Result of {@link stratifiedDropTest}. */
export interface StratifiedTest {
  /** P(Σ wᵢ·fᵢ ≥ observed | every case's pooled failures) under "nothing changed". */
  p: number;
  /** Cases that carry information (scored on both sides, neither all-pass nor all-fail pooled). */
  cases: number;
  /** Failures now, and their expectation under "nothing changed". */
  failsNow: number;
  expectedFails: number;
}

const logit = (q: number) => Math.log(q / (1 - q));

/**
 * Conditional exact test of a drop, stratified by case. Each case's failures now, given its pooled
 * failures t over N = n + m trials, are Hypergeometric(N, t, n) under H₀; the statistic is
 * Σ wᵢ·fᵢ with its exact null distribution by convolution. The weights interpolate between the
 * two most powerful tests of two shapes of drop (qᵢ: the case's pooled failure rate, shrunk half a
 * trial towards ½):
 * - tilt 0, equal weights: every case falls by the same log-odds (hard cases fall further in
 *   points than easy ones);
 * - tilt 1, wᵢ = logit(qᵢ + δ) − logit(qᵢ): every case's pass rate falls by δ points (a case that
 *   never failed and starts failing is then the strongest evidence).
 * wᵢ = (logit(qᵢ + δ) − logit(qᵢ))^tilt in between. Any fixed weights keep the test exact: they
 * depend on the data only through the pooled counts it conditions on.
 */
export function stratifiedDropTest(strata: readonly Stratum[], opts: { delta: number; tilt: number }): StratifiedTest {
  const terms: WeightedCount[] = [];
  let failsNow = 0;
  let expectedFails = 0;
  for (const s of strata) {
    if (s.scoredNow <= 0 || s.scoredBase <= 0) continue;
    const total = s.scoredNow + s.scoredBase;
    const fails = s.failsNow + s.failsBase;
    if (fails === 0 || fails === total) continue; // no information: every split is equally likely
    const table = hypergeometricTable(total, fails, s.scoredNow);
    const q = (fails + 0.5) / (total + 1);
    const lr = logit(Math.min(q + opts.delta, 1 - 1e-6)) - logit(q);
    terms.push({ weight: Math.pow(lr, opts.tilt), pmf: table.probs, observed: s.failsNow - table.lo });
    failsNow += s.failsNow;
    expectedFails += (s.scoredNow * fails) / total;
  }
  return { p: weightedSumTail(terms).p, cases: terms.length, failsNow, expectedFails };
}
