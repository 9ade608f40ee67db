// Exact predictive tail probabilities for counts in the current run given a baseline, used where
// a normal approximation would lie about the far tail that a false-alarm budget of 1 in
// thousands lives in: failures of cases that (almost) never fail, budget hits, agent errors.
// (Not in src/stats: the beta-binomial predictive is written here.)

import type { Pmf } from "../stats/weighted-sum.ts";

export { upperTail, type Pmf } from "../stats/weighted-sum.ts";

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
