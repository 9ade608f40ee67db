// Control charts for slow drift in a standardised series z_t (≈ N(0, 1) while in control):
// a one-sided lower CUSUM and an EWMA, as pure step functions, plus the average run length
// (ARL) maths that turns "about one false page a month" into thresholds.
import { normalPdf } from "./distributions.ts";
import { bisect, gaussLegendre, solveLinear } from "./numeric.ts";

/** Lower CUSUM state: the statistic and how many steps it has been above 0. */
export interface CusumState {
  /** S_t ≥ 0, the accumulated evidence of a decrease. */
  s: number;
  /** Consecutive steps with S_t > 0; at an alarm, Page's estimate of how long ago the drop began. */
  run: number;
}

/** CUSUM parameters in σ units: reference value k (half the drop to detect) and decision interval h. */
export interface CusumParams {
  k: number;
  h: number;
}

/** The in-control starting state S_0 = 0 (also the state to restart from after an alarm). */
export const cusumStart = (): CusumState => ({ s: 0, run: 0 });

/**
 * One step of Page's lower CUSUM: S_t = max(0, S_{t−1} − z_t − k), alarm when S_t > h. The
 * state is not reset at an alarm; the caller restarts from {@link cusumStart} once handled.
 */
export function cusumStep(state: CusumState, z: number, { k, h }: CusumParams): { state: CusumState; alarm: boolean } {
  if (!Number.isFinite(z)) throw new RangeError(`cusumStep: observation must be finite, got ${z}`);
  const s = Math.max(0, state.s - z - k);
  return { state: { s, run: s > 0 ? state.run + 1 : 0 }, alarm: s > h };
}

// Siegmund's boundary correction: b = h + 2·0.583, where 0.583 = −ζ(½)/√(2π) is the mean
// overshoot of a normal random walk over a barrier.
const SIEGMUND_OVERSHOOT = 1.166;

/**
 * Average run length of the lower CUSUM by Siegmund's approximation, for observations
 * z ~ N(shift, 1); a decrease is a negative shift. The CUSUM increments −z − k have drift
 * Δ = −shift − k, and with b = h + 1.166, ARL ≈ (exp(−2Δb) + 2Δb − 1)/(2Δ²) (b² when Δ = 0).
 * Accurate to about 1% against Markov-chain values (k = 0.5, h = 5: 938 vs 930.9).
 */
export function arlCusum(k: number, h: number, shift = 0): number {
  if (!(k >= 0) || !(h >= 0)) throw new RangeError(`arlCusum: k and h must be ≥ 0, got k=${k}, h=${h}`);
  const delta = -shift - k;
  const b = h + SIEGMUND_OVERSHOOT;
  const x = 2 * delta * b;
  // Near Δ = 0 the closed form cancels catastrophically; its series is b²(1 − x/3 + x²/12 − x³/60).
  if (Math.abs(x) < 1e-3) return b * b * (1 - x / 3 + (x * x) / 12 - (x * x * x) / 60);
  return (Math.exp(-x) + x - 1) / (2 * delta * delta);
}

/**
 * Decision interval h giving the lower CUSUM an in-control ARL of `arl0` (Siegmund's
 * approximation, solved by bisection). E.g. k = 0.5: arl0 = 930 → h ≈ 4.99.
 */
export function cusumHForArl0(arl0: number, k: number): number {
  const floor = arlCusum(k, 0);
  if (!(arl0 > floor)) throw new RangeError(`cusumHForArl0: arl0 must exceed ${floor.toFixed(2)} for k=${k}, got ${arl0}`);
  let hi = 1;
  while (arlCusum(k, hi) < arl0) hi *= 2;
  return bisect((h) => Math.log(arlCusum(k, h)) - Math.log(arl0), 0, hi, 1e-9);
}

/** Which side(s) of the EWMA signal: "lower" for decreases only, "both" for any change. */
export type EwmaSide = "lower" | "both";

/** EWMA parameters: smoothing λ in (0, 1], limit multiplier L, and the side(s) that alarm. */
export interface EwmaParams {
  lambda: number;
  L: number;
  side?: EwmaSide;
}

/** EWMA state: the smoothed statistic E_t. */
export interface EwmaState {
  e: number;
}

/** The in-control starting state E_0 = 0. */
export const ewmaStart = (): EwmaState => ({ e: 0 });

/** Steady-state standard deviation of the EWMA of N(0, 1) observations, √(λ/(2 − λ)). */
export const ewmaSigma = (lambda: number): number => Math.sqrt(lambda / (2 - lambda));

function checkLambda(lambda: number): void {
  if (!(lambda > 0 && lambda <= 1)) throw new RangeError(`EWMA lambda must be in (0, 1], got ${lambda}`);
}

/**
 * One EWMA step: E_t = λ·z_t + (1 − λ)·E_{t−1}, alarm when E_t < −L·σ_E (or |E_t| > L·σ_E for
 * side "both"), with the steady-state σ_E = √(λ/(2 − λ)). Steady-state limits (not the narrower
 * early-time ones) so that {@link arlEwma} describes exactly this chart.
 */
export function ewmaStep(
  state: EwmaState,
  z: number,
  { lambda, L, side = "lower" }: EwmaParams,
): { state: EwmaState; alarm: boolean; limit: number } {
  checkLambda(lambda);
  if (!Number.isFinite(z)) throw new RangeError(`ewmaStep: observation must be finite, got ${z}`);
  const e = lambda * z + (1 - lambda) * state.e;
  const limit = L * ewmaSigma(lambda);
  return { state: { e }, alarm: e < -limit || (side === "both" && e > limit), limit };
}

/**
 * Average run length of the EWMA from E_0 = 0 for observations z ~ N(shift, 1). Solves the
 * run-length integral equation ARL(u) = 1 + ∫ ARL(v)·φ((v − (1−λ)u)/λ − shift)/λ dv over the
 * in-control region by Gauss–Legendre Nyström (Crowder 1987); matches Lucas & Saccucci's (1990)
 * tables, e.g. λ = 0.1, L = 2.814, side "both": 500. For side "lower" the region is
 * (−Lσ_E, max(0, shift) + 8σ_E): the EWMA essentially never climbs past 8σ_E.
 */
export function arlEwma(lambda: number, L: number, shift = 0, side: EwmaSide = "lower"): number {
  checkLambda(lambda);
  if (!(L > 0)) throw new RangeError(`arlEwma: L must be > 0, got ${L}`);
  const sigma = ewmaSigma(lambda);
  const lo = -L * sigma;
  const hi = side === "both" ? L * sigma : Math.max(L * sigma, Math.max(0, shift) + 8 * sigma);
  // The kernel has width λ; three nodes per λ of region converges to ~8 digits (checked against
  // 900-node solutions for λ from 0.01 to 1).
  const n = Math.min(800, Math.max(48, Math.ceil((3 * (hi - lo)) / lambda)));
  const rule = gaussLegendre(n);
  const half = (hi - lo) / 2;
  const x = rule.nodes.map((t) => lo + half * (t + 1));
  const w = rule.weights.map((v) => v * half);
  const kernel = (v: number, u: number) => normalPdf((v - (1 - lambda) * u) / lambda - shift) / lambda;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] = (i === j ? 1 : 0) - w[j]! * kernel(x[j]!, x[i]!);
  }
  const arlAtNodes = solveLinear(a, new Float64Array(n).fill(1), n);
  let arl = 1;
  for (let j = 0; j < n; j++) arl += w[j]! * kernel(x[j]!, 0) * arlAtNodes[j]!;
  return arl;
}

/** Limit multiplier L giving the EWMA an in-control ARL of `arl0` (bisection on {@link arlEwma}). */
export function ewmaLForArl0(arl0: number, lambda: number, side: EwmaSide = "lower"): number {
  checkLambda(lambda);
  if (!(arl0 > 1)) throw new RangeError(`ewmaLForArl0: arl0 must exceed 1, got ${arl0}`);
  const f = (L: number) => Math.log(arlEwma(lambda, L, 0, side)) - Math.log(arl0);
  let hi = 2;
  while (f(hi) < 0 && hi < 10) hi += 1;
  return bisect(f, 1e-3, hi, 1e-7);
}
