// Exact discrete distributions as whole probability tables. Each is built by the ratio
// recurrence P(j+1)/P(j) outward from the mode (weight 1 there) and then normalised, so no
// factorial ever overflows and far tails underflow harmlessly to 0 instead of to NaN. The
// relative error of every entry is a few ulps times the distance from the mode, which is far
// below what a p-value needs; no extra dependency is required.

/** A probability table over the integers lo..lo+probs.length−1. */
export interface DiscreteTable {
  lo: number;
  probs: Float64Array;
}

/** Fill weights from the mode with ratio(j) = w(j+1)/w(j), then normalise to sum 1. */
function fromMode(lo: number, hi: number, mode: number, ratio: (j: number) => number): DiscreteTable {
  const probs = new Float64Array(hi - lo + 1);
  probs[mode - lo] = 1;
  for (let j = mode; j < hi; j++) probs[j + 1 - lo] = probs[j - lo]! * ratio(j);
  for (let j = mode; j > lo; j--) probs[j - 1 - lo] = probs[j - lo]! / ratio(j - 1);
  let total = 0;
  for (const p of probs) total += p;
  for (let i = 0; i < probs.length; i++) probs[i] = probs[i]! / total;
  return { lo, probs };
}

/** Binomial(n, p) probabilities P(X = 0..n). */
export function binomialTable(n: number, p: number): DiscreteTable {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be in [0, 1], got ${p}`);
  if (p === 0 || p === 1) {
    const probs = new Float64Array(n + 1);
    probs[p === 0 ? 0 : n] = 1;
    return { lo: 0, probs };
  }
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const odds = p / (1 - p);
  return fromMode(0, n, mode, (j) => ((n - j) / (j + 1)) * odds);
}

/**
 * Hypergeometric probabilities of the number of successes X in `draws` draws without
 * replacement from `total` items of which `successes` are successes (Fisher's exact test's
 * distribution of the top-left cell given the margins).
 */
export function hypergeometricTable(total: number, successes: number, draws: number): DiscreteTable {
  for (const [name, v] of [
    ["total", total],
    ["successes", successes],
    ["draws", draws],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`hypergeometric ${name} must be a non-negative integer, got ${v}`);
  }
  if (successes > total || draws > total) throw new RangeError("hypergeometric successes and draws must not exceed total");
  const lo = Math.max(0, draws - (total - successes));
  const hi = Math.min(draws, successes);
  const mode = Math.min(hi, Math.max(lo, Math.floor(((draws + 1) * (successes + 1)) / (total + 2))));
  const failures = total - successes;
  return fromMode(lo, hi, mode, (j) => ((successes - j) * (draws - j)) / ((j + 1) * (failures - draws + j + 1)));
}

/** P(X ≤ x) from a table (0 below the support, 1 above). */
export function tableCdf(t: DiscreteTable, x: number): number {
  let s = 0;
  for (let j = t.lo; j <= x && j - t.lo < t.probs.length; j++) s += t.probs[j - t.lo]!;
  return Math.min(1, s);
}

/** P(X = x) from a table (0 outside the support). */
export function tablePmf(t: DiscreteTable, x: number): number {
  return t.probs[x - t.lo] ?? 0;
}
