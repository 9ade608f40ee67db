// Seeded pseudo-random numbers for simulations (ARL checks, detection benchmarks). Same seed,
// same stream, on every runtime: no Math.random, no clock. Not for anything security-related.

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit state generator returning uniforms in
 * [0, 1) with 2⁻³² resolution. Fast and well-mixed enough for Monte Carlo, tiny state.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded random stream. */
export interface Rng {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Normal with the given mean and standard deviation (Box–Muller). */
  normal(mean?: number, sd?: number): number;
  /** Binomial(n, p) count of successes. */
  binomial(n: number, p: number): number;
  /** Bernoulli(p) as a boolean. */
  bernoulli(p: number): boolean;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

/** A seeded stream of uniforms, normals and binomials built on {@link mulberry32}. */
export function createRng(seed: number): Rng {
  const uniform = mulberry32(seed);
  // Box–Muller yields normals in pairs; keep the second for the next call.
  let spare: number | undefined;
  const standardNormal = (): number => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const u1 = 1 - uniform(); // (0, 1]: log(0) would be −∞
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
  return {
    uniform,
    normal: (mean = 0, sd = 1) => mean + sd * standardNormal(),
    bernoulli: (p) => uniform() < p,
    int: (n) => Math.floor(uniform() * n),
    binomial: (n, p) => {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`binomial n must be a non-negative integer, got ${n}`);
      if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial p must be in [0, 1], got ${p}`);
      // Sum of Bernoullis: exact in distribution and O(n), which suits repeat counts (N ≤ a few
      // hundred) better than a rejection sampler's complexity.
      let k = 0;
      for (let i = 0; i < n; i++) if (uniform() < p) k++;
      return k;
    },
  };
}
