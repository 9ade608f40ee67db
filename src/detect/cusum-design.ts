// The drift CUSUM's decision interval when the baseline is itself an estimate.
//
// z_t = d_t/σ compares each run with a baseline mean that has its own error. While that error e
// stays (it changes only as the baseline window slides), every z_t is shifted by it: a baseline
// that happens to sit high by 0.15σ acts on the CUSUM like a real 0.15σ drop, and since the
// false-alarm rate 1/ARL(shift) is convex in the shift, such errors raise the average false-alarm
// rate well above the nominal 1/ARL₀ (2–3× for a 48-run baseline; see Jones, Champ & Rigdon 2004,
// "The run length distribution of the CUSUM with estimated parameters", J. Quality Technology
// 36(1)). So h is chosen for the false-alarm rate averaged over the
// baseline error: E_e[1/ARL(k, h, e)] = 1/ARL₀.
//
// With τ² the share of Var(z) that comes from the baseline (τ² = B/(A + B), A = Σvᵢ/nᵢ from the
// run, B = Σvᵢ/mᵢ from the baseline), z given e is N(−e, 1 − τ²) with e ~ N(0, τ²); rescaling by
// s = √(1 − τ²) gives a standard CUSUM with k/s, h/s and shift −e/s, evaluated by Siegmund's
// approximation and averaged by Gauss–Legendre quadrature over ±6τ.
import { arlCusum } from "../stats/control.ts";
import { normalPdf } from "../stats/distributions.ts";
import { bisect, gaussLegendre } from "../stats/numeric.ts";

const NODES = 48;

/** In-control ARL of the lower CUSUM with reference k and interval h, averaged (as a rate) over a baseline error of variance share τ². */
export function averagedArl(k: number, h: number, tau2: number): number {
  if (!(tau2 > 0)) return arlCusum(k, h, 0);
  const t2 = Math.min(tau2, 0.95);
  const tau = Math.sqrt(t2);
  const s = Math.sqrt(1 - t2);
  const { nodes, weights } = gaussLegendre(NODES);
  let rate = 0;
  for (let i = 0; i < NODES; i++) {
    const e = 6 * tau * nodes[i]!;
    const density = normalPdf(e / tau) / tau;
    rate += (6 * tau * weights[i]! * density) / arlCusum(k / s, h / s, -e / s);
  }
  return 1 / rate;
}

const cache = new Map<string, number>();

// τ² is rounded up to this grid (a larger τ² gives a larger, safer h) so each value is solved once.
const TAU2_STEP = 0.0025;

/**
 * Decision interval h with an averaged in-control ARL of `arl0` for a baseline whose error makes
 * up τ² of Var(z). τ² = 0 gives Siegmund's h for a known baseline. Memoised on τ² rounded up to
 * a grid of 0.0025 (it depends only on the baseline's size relative to a run).
 */
export function cusumHForBaseline(arl0: number, k: number, tau2: number): number {
  const t2 = Math.min(0.95, Math.ceil(Math.max(0, tau2) / TAU2_STEP - 1e-9) * TAU2_STEP);
  const key = `${arl0}|${k}|${t2}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let hi = 4;
  while (averagedArl(k, hi, t2) < arl0) hi *= 2;
  const h = bisect((x) => Math.log(averagedArl(k, x, t2)) - Math.log(arl0), 0, hi, 1e-6);
  cache.set(key, h);
  return h;
}
