/** Arithmetic mean; NaN for an empty sample. */
export function mean(xs: readonly number[]): number {
  // Stryker disable next-line ConditionalExpression: if (false) is equivalent, an empty sample then gives 0 / 0, the same NaN
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (n − 1 denominator); NaN below two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return Number.NaN;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/** Linear-interpolated quantile (type 7, as R and numpy default) of an unsorted sample. */
export function quantile(xs: readonly number[], q: number): number {
  // Stryker disable next-line ConditionalExpression: if (false) is equivalent, an empty sample then reads s[lo] as undefined, the same NaN
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo]! + (h - lo) * (s[hi]! - s[lo]!);
}
