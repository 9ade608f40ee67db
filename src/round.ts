/**
 * Numbers as a person should read them in JSON output: every non-integer rounded to `digits`
 * significant digits (6 by default: 0.9250000000000002 → 0.925, $0.000012345678 → 0.0000123457),
 * deep through arrays and plain objects. Integers, strings, dates and non-finite numbers are left
 * as they are. Pure: returns a copy. For display only; stored values and statistics keep full precision.
 */
export function roundForDisplay<T>(value: T, digits = 6): T {
  return round(value, digits) as T;
}

function round(v: unknown, digits: number): unknown {
  if (typeof v === "number") return Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(digits)) : v;
  if (Array.isArray(v)) return v.map((x) => round(x, digits));
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x, digits)]));
  }
  return v;
}
