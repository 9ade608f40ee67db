// Small formatting helpers shared by the detectors' one-line summaries.

/** 0.8512 → "85.1%" */
export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** −0.031 → "−3.1 points" */
export const points = (x: number): string => `${x < 0 ? "−" : "+"}${Math.abs(x * 100).toFixed(1)} points`;

/** A p-value or probability in a compact readable form. */
export const prob = (p: number): string => (p >= 0.001 ? p.toFixed(3) : p.toExponential(1));

/** 1.234 → "×1.23" */
export const ratio = (r: number): string => `×${r.toFixed(2)}`;

/** Rounds a number for evidence (keeps JSON readable without losing what matters). */
export const round = (x: number, digits = 4): number => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);
