// Distribution functions come from @stdlib: double-precision implementations with accurate tails
// (no lookup tables, no rounding to a few digits as some popular packages do).
import tQuantileImpl from "@stdlib/stats-base-dists-t-quantile";
import tCdfImpl from "@stdlib/stats-base-dists-t-cdf";
import normalQuantileImpl from "@stdlib/stats-base-dists-normal-quantile";
import normalCdfImpl from "@stdlib/stats-base-dists-normal-cdf";

/** Quantile of Student's t with `df` degrees of freedom. */
export const tQuantile = (p: number, df: number): number => tQuantileImpl(p, df);
/** CDF of Student's t with `df` degrees of freedom. */
export const tCdf = (x: number, df: number): number => tCdfImpl(x, df);
/** Quantile of the standard normal. */
export const normalQuantile = (p: number): number => normalQuantileImpl(p, 0, 1);
/** CDF of the standard normal. */
export const normalCdf = (x: number): number => normalCdfImpl(x, 0, 1);
/** Density of the standard normal (closed form; no library needed). */
export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
