// The shadow simulation's model, with a known true preference. Each input i has a candidate
// win probability pᵢ = σ(θ + uᵢ), uᵢ ~ N(0, τ²) (inputs differ); each pair (input × repeat) has
// one true outcome: a tie with probability t, else a candidate win with probability pᵢ. The judge
// reports the truth in each order, except that with probability q (position bias) it names the
// reply shown first whatever the truth. Lengths: the candidate's reply is longer by
// Δ ~ N(μΔ, σΔ²) characters, and a length-biased judge turns a true tie into a win for the
// longer reply with probability σ(λ·Δ/100) − ½ scaled to the tie mass (see pairOutcome).
import { bisect } from "../src/stats/numeric.ts";
import { combineOrders, scoreOf, type PairObservation, type Preference } from "../src/stats/pairwise.ts";
import type { Rng } from "../src/stats/rng.ts";

export interface SimModel {
  /** Log-odds of a candidate win among non-ties, averaged over inputs. */
  theta: number;
  /** Spread of the per-input log-odds. */
  tau: number;
  /** Probability a pair is truly a tie. */
  tie: number;
  /** Position bias: probability the judge names the first reply regardless. */
  bias: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** E[combined score | p]: both orders, each biased with probability q, over the pair's true outcome. */
export function expectedScore(p: number, m: Pick<SimModel, "tie" | "bias">): number {
  const q = m.bias;
  const w = (1 - m.tie) * p;
  const l = (1 - m.tie) * (1 - p);
  const truth = w + 0.5 * m.tie;
  // Candidate first biased (says candidate): a win stays a win, anything else flips to a tie.
  const firstBiased = w + 0.5 * (1 - w);
  // Incumbent first biased (says incumbent): a loss stays a loss, anything else is a tie.
  const secondBiased = 0.5 * (1 - l);
  return (1 - q) * (1 - q) * truth + q * (1 - q) * (firstBiased + secondBiased) + q * q * 0.5;
}

/** The estimand: the mean over the input population of E[score | pᵢ] (numerical integration over u). */
export function trueWinRate(m: SimModel): number {
  if (m.tau === 0) return expectedScore(sigmoid(m.theta), m);
  const steps = 4001;
  let num = 0;
  let den = 0;
  for (let k = 0; k < steps; k++) {
    const z = -8 + (16 * k) / (steps - 1);
    const dens = Math.exp(-0.5 * z * z);
    num += dens * expectedScore(sigmoid(m.theta + m.tau * z), m);
    den += dens;
  }
  return num / den;
}

/** The θ at which the true win rate is `target` (others fixed). */
export function thetaFor(target: number, m: Omit<SimModel, "theta">): number {
  return bisect((theta) => trueWinRate({ ...m, theta }) - target, -10, 10, 1e-10);
}

/** Draws one pair's both-order verdicts for an input with win probability p. */
function pairOutcome(rng: Rng, p: number, m: SimModel, lengthBias?: { lambda: number; delta: number }): [Preference, Preference] {
  let truth: Preference = rng.bernoulli(m.tie) ? "tie" : rng.bernoulli(p) ? "candidate" : "incumbent";
  if (lengthBias && truth === "tie") {
    // The length-biased judge breaks a true tie toward the longer reply.
    truth = rng.bernoulli(sigmoid((lengthBias.lambda * lengthBias.delta) / 100)) ? "candidate" : "incumbent";
  }
  const a: Preference = rng.bernoulli(m.bias) ? "candidate" : truth;
  const b: Preference = rng.bernoulli(m.bias) ? "incumbent" : truth;
  return [a, b];
}

/** One simulated shadow run: K inputs × R repeats. */
export function simulateRun(
  rng: Rng,
  m: SimModel,
  k: number,
  repeats: number,
  length?: { meanDelta: number; sdDelta: number; lambda: number },
): PairObservation[] {
  const pairs: PairObservation[] = [];
  for (let i = 0; i < k; i++) {
    const p = sigmoid(m.theta + rng.normal(0, m.tau));
    for (let r = 0; r < repeats; r++) {
      const delta = length ? Math.round(rng.normal(length.meanDelta, length.sdDelta)) : 0;
      const [cf, inf] = pairOutcome(rng, p, m, length ? { lambda: length.lambda, delta } : undefined);
      pairs.push({ cluster: String(i), candidateFirst: cf, incumbentFirst: inf, candidateLength: 300 + delta, incumbentLength: 300 });
    }
  }
  return pairs;
}

/** The mean combined score of pairs (a Monte Carlo check of expectedScore). */
export const meanScore = (pairs: readonly PairObservation[]): number =>
  pairs.reduce((s, p) => s + scoreOf(combineOrders(p.candidateFirst!, p.incumbentFirst!).final), 0) / pairs.length;
