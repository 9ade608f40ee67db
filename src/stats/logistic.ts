// A two-parameter logistic fit, logit E[y] = b0 + b1·x, for responses in [0, 1] (fractional
// response, Papke & Wooldridge 1996: the Bernoulli quasi-likelihood is consistent for the mean
// whenever it is right, so a tie can enter as y = ½). Written here rather than taken from a
// library: no well-kept Node package fits a weighted, fractional, Firth-penalised logit with
// cluster-robust errors, and two parameters need only 2×2 algebra.

/** The fit and what it rests on. */
export interface LogisticFit {
  /** Intercept and slope on the logit scale (slope per unit of x as given). */
  b0: number;
  b1: number;
  /** Cluster-robust (sandwich, CR1) standard error of b0; NaN below two clusters. */
  seB0: number;
  /** Whether the Newton iterations met the tolerance. */
  converged: boolean;
  iterations: number;
  /** Every x was 0: the fit is the intercept alone (every x the same but not 0: nothing is estimable, NaN). */
  interceptOnly: boolean;
}

/** One observation: response in [0, 1], covariate, and the cluster it belongs to. */
export interface LogisticPoint {
  y: number;
  x: number;
  cluster: string;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
/** Keeps μ(1 − μ) off 0, where a separated fit would divide by it. */
const W_MIN = 1e-12;
const MAX_ITER = 100;
const TOL = 1e-10;

/** 2×2 symmetric inverse of [[a, b], [b, c]]; undefined when singular. */
function inverse2(a: number, b: number, c: number): [number, number, number] | undefined {
  const det = a * c - b * b;
  if (!(Math.abs(det) > 1e-300) || !Number.isFinite(det)) return undefined;
  return [c / det, -b / det, a / det];
}

/**
 * Fits logit E[y | x] = b0 + b1·x with Firth's penalty (Jeffreys prior; Firth 1993): the modified
 * score Σ (yᵢ − μᵢ + hᵢ(½ − μᵢ)) xᵢ keeps the estimates finite under separation (a judge that
 * always prefers the longer answer separates the data perfectly, where the plain maximum
 * likelihood runs off to infinity) and removes the O(1/n) bias of small samples. x is rescaled to
 * unit spread inside the fit for conditioning; the slope is returned per unit of x as given.
 * The standard error of b0 is the cluster-robust sandwich A⁻¹BA⁻¹ with the CR1 factor G/(G − 1),
 * so repeats of one input (correlated) count as one unit of evidence.
 */
export function fitLogistic(points: readonly LogisticPoint[]): LogisticFit {
  const n = points.length;
  if (n === 0) return { b0: Number.NaN, b1: Number.NaN, seB0: Number.NaN, converged: false, iterations: 0, interceptOnly: true };
  for (const p of points) {
    if (!(p.y >= 0 && p.y <= 1)) throw new RangeError(`fitLogistic: y must be in [0, 1], got ${p.y}`);
    if (!Number.isFinite(p.x)) throw new RangeError(`fitLogistic: x must be finite, got ${p.x}`);
  }
  const scale = Math.sqrt(points.reduce((s, p) => s + p.x * p.x, 0) / n);
  const interceptOnly = !(scale > 0);
  // Every x the same but not 0: intercept and slope cannot be told apart, so nothing can be read
  // at x = 0 (reading it there would be an extrapolation the data says nothing about).
  if (!interceptOnly && points.every((p) => p.x === points[0]!.x)) {
    return { b0: Number.NaN, b1: Number.NaN, seB0: Number.NaN, converged: false, iterations: 0, interceptOnly: false };
  }
  const xs = points.map((p) => (interceptOnly ? 0 : p.x / scale));
  let b0 = 0;
  let b1 = 0;
  let converged = false;
  let iterations = 0;
  for (; iterations < MAX_ITER && !converged; iterations++) {
    const step = firthStep(points, xs, b0, b1, interceptOnly);
    if (!step) break;
    // Newton on Firth's score can overshoot and oscillate (a saturated or separated fit): halve
    // the step until the penalised likelihood does not fall, as logistf does.
    let [d0, d1] = [clampStep(step[0]), clampStep(step[1])];
    const before = penalizedLogLik(points, xs, b0, b1, interceptOnly);
    for (let h = 0; h < MAX_HALVINGS && penalizedLogLik(points, xs, b0 + d0, b1 + d1, interceptOnly) < before; h++) {
      d0 /= 2;
      d1 /= 2;
    }
    b0 += d0;
    b1 += d1;
    converged = Math.abs(d0) < TOL && Math.abs(d1) < TOL;
  }
  const seB0 = sandwichSeB0(points, xs, b0, b1, interceptOnly);
  return { b0, b1: interceptOnly ? 0 : b1 / scale, seB0, converged, iterations, interceptOnly };
}

/** Step halvings per iteration before the step is taken as it stands. */
const MAX_HALVINGS = 30;

/**
 * Firth's penalised (quasi-)log-likelihood: Σ yᵢ log μᵢ + (1 − yᵢ) log(1 − μᵢ) + ½ log det I(β),
 * the objective whose score the Newton steps follow.
 */
function penalizedLogLik(points: readonly LogisticPoint[], xs: readonly number[], b0: number, b1: number, interceptOnly: boolean): number {
  let ll = 0;
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < points.length; i++) {
    const z = b0 + b1 * xs[i]!;
    const y = points[i]!.y;
    // log σ(z) and log(1 − σ(z)), stable for large |z|.
    const logMu = -Math.log1p(Math.exp(-Math.abs(z))) + Math.min(0, z);
    const logOneMinus = -Math.log1p(Math.exp(-Math.abs(z))) + Math.min(0, -z);
    ll += y * logMu + (1 - y) * logOneMinus;
    const m = sigmoid(z);
    const w = Math.max(W_MIN, m * (1 - m));
    a += w;
    b += w * xs[i]!;
    c += w * xs[i]! * xs[i]!;
  }
  const det = interceptOnly ? a : a * c - b * b;
  return ll + 0.5 * Math.log(Math.max(det, 1e-300));
}

/** Newton steps longer than this on the logit scale are cut to it. */
const MAX_STEP = 5;
const clampStep = (d: number) => Math.max(-MAX_STEP, Math.min(MAX_STEP, d));

/** One Newton step of Firth's modified score, or undefined when the information is singular. */
function firthStep(points: readonly LogisticPoint[], xs: readonly number[], b0: number, b1: number, interceptOnly: boolean) {
  let a = 0;
  let b = 0;
  let c = 0;
  const mu: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < points.length; i++) {
    const m = sigmoid(b0 + b1 * xs[i]!);
    const wi = Math.max(W_MIN, m * (1 - m));
    mu.push(m);
    w.push(wi);
    a += wi;
    b += wi * xs[i]!;
    c += wi * xs[i]! * xs[i]!;
  }
  if (interceptOnly) {
    // Hat values sum to the one parameter: hᵢ = wᵢ / Σw.
    let u = 0;
    for (let i = 0; i < points.length; i++) u += points[i]!.y - mu[i]! + (w[i]! / a) * (0.5 - mu[i]!);
    return [u / a, 0] as const;
  }
  const inv = inverse2(a, b, c);
  if (!inv) return undefined;
  const [i00, i01, i11] = inv;
  let u0 = 0;
  let u1 = 0;
  for (let i = 0; i < points.length; i++) {
    const x = xs[i]!;
    const h = w[i]! * (i00 + 2 * i01 * x + i11 * x * x);
    const r = points[i]!.y - mu[i]! + h * (0.5 - mu[i]!);
    u0 += r;
    u1 += r * x;
  }
  return [i00 * u0 + i01 * u1, i01 * u0 + i11 * u1] as const;
}

/**
 * CR1 cluster-robust standard error of b0: A⁻¹ (G/(G−1) Σ_g s_g s_gᵀ) A⁻¹ with A the Fisher
 * information and s_g the cluster's summed score (yᵢ − μᵢ)(1, xᵢ). x is on the fit's scale,
 * which leaves b0 (the value at x = 0) unchanged.
 */
function sandwichSeB0(points: readonly LogisticPoint[], xs: readonly number[], b0: number, b1: number, interceptOnly: boolean): number {
  const scores = new Map<string, [number, number]>();
  let a = 0;
  let b = 0;
  let c = 0;
  for (let i = 0; i < points.length; i++) {
    const x = xs[i]!;
    const m = sigmoid(b0 + b1 * x);
    const wi = Math.max(W_MIN, m * (1 - m));
    a += wi;
    b += wi * x;
    c += wi * x * x;
    const r = points[i]!.y - m;
    const s = scores.get(points[i]!.cluster) ?? [0, 0];
    s[0] += r;
    s[1] += r * x;
    scores.set(points[i]!.cluster, s);
  }
  const g = scores.size;
  if (g < 2) return Number.NaN;
  const cr1 = g / (g - 1);
  if (interceptOnly) {
    let m00 = 0;
    for (const s of scores.values()) m00 += s[0] * s[0];
    return Math.sqrt((cr1 * m00) / (a * a));
  }
  const inv = inverse2(a, b, c);
  if (!inv) return Number.NaN;
  const [i00, i01] = inv;
  // Row 0 of A⁻¹ times each cluster score gives that cluster's influence on b0.
  let v = 0;
  for (const s of scores.values()) {
    const infl = i00 * s[0] + i01 * s[1];
    v += infl * infl;
  }
  return Math.sqrt(cr1 * v);
}

/** The logistic function, exported for reading a fit on the probability scale. */
export const logistic = sigmoid;
