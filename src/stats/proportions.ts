// Comparing two pass rates: Newcombe intervals for a difference (independent and paired) and
// exact tests (Fisher for independent samples, McNemar for paired). Used by the release gate
// when each case is run once (N = 1), where per-case t statistics have nothing to work with.
import { binomialTable, hypergeometricTable, tableCdf, tablePmf } from "./discrete.ts";
import { wilson, type Interval } from "./intervals.ts";

const clampDiff = (x: number) => Math.min(1, Math.max(-1, x));

function checkCounts(fn: string, counts: Record<string, number>): void {
  for (const [name, v] of Object.entries(counts)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: ${name} must be a non-negative integer, got ${v}`);
  }
}

/**
 * Newcombe's hybrid score interval (1998, method 10) for p1 − p2 from two independent samples:
 * the Wilson intervals (l, u) of each rate are combined by "square and add",
 *   low  = d − √((p1 − l1)² + (u2 − p2)²),   high = d + √((u1 − p1)² + (p2 − l2)²).
 */
export function newcombeDiff(x1: number, n1: number, x2: number, n2: number, level = 0.95): Interval {
  checkCounts("newcombeDiff", { x1, n1, x2, n2 });
  if (x1 > n1 || x2 > n2) throw new RangeError("newcombeDiff: successes exceed trials");
  if (n1 <= 0 || n2 <= 0) return { estimate: Number.NaN, low: -1, high: 1, level };
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const w1 = wilson(x1, n1, level);
  const w2 = wilson(x2, n2, level);
  const d = p1 - p2;
  return {
    estimate: d,
    low: clampDiff(d - Math.hypot(p1 - w1.low, w2.high - p2)),
    high: clampDiff(d + Math.hypot(w1.high - p1, p2 - w2.low)),
    level,
  };
}

/**
 * Paired 2×2 table of n cases each run once by two agents (first, second):
 * a = both pass, b = only first passes, c = only second passes, d = both fail.
 */
export interface PairedTable {
  a: number;
  b: number;
  c: number;
  d: number;
}

/**
 * Newcombe's interval (1998 paired paper, method 10) for p_first − p_second = (b − c)/n.
 * Square-and-add of the two marginal Wilson intervals, corrected for the positive correlation
 * of paired rates by φ: with A = (a+b)(c+d)(a+c)(b+d) and B = ad − bc, φ = (B − n/2)/√A when
 * B > n/2, 0 when 0 ≤ B ≤ n/2, B/√A when B < 0, and 0 when A = 0 (Newcombe's own definition,
 * as given in Altman et al., "Statistics with Confidence", and Fagerland et al. 2014).
 */
export function newcombePairedDiff(t: PairedTable, level = 0.95): Interval & { phi: number } {
  const { a, b, c, d } = t;
  checkCounts("newcombePairedDiff", { a, b, c, d });
  const n = a + b + c + d;
  if (n <= 0) return { estimate: Number.NaN, low: -1, high: 1, level, phi: 0 };
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const w1 = wilson(a + b, n, level);
  const w2 = wilson(a + c, n, level);
  const prod = (a + b) * (c + d) * (a + c) * (b + d);
  const cross = a * d - b * c;
  let phi = 0;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: A = 0 means an empty margin, which makes B = 0, so φ stays 0 anyway
  if (prod > 0) {
    // Stryker disable EqualityOperator: φ is continuous, 0 at B = n/2 and at B = 0 by either formula, the same as the middle branch
    if (cross > n / 2) phi = (cross - n / 2) / Math.sqrt(prod);
    else if (cross < 0) phi = cross / Math.sqrt(prod);
  }
  // Stryker restore EqualityOperator
  const dl1 = p1 - w1.low;
  const du1 = w1.high - p1;
  const dl2 = p2 - w2.low;
  const du2 = w2.high - p2;
  const est = p1 - p2;
  // max(0, ·) only guards rounding: the radicand is ≥ (1 − |φ|)·(x² + y²) ≥ 0.
  const lowHalf = Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const highHalf = Math.sqrt(Math.max(0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  return { estimate: est, low: clampDiff(est - lowHalf), high: clampDiff(est + highHalf), level, phi };
}

/** The widest level the test inversion below searches: its p-values go down to (1 − this)/2. */
const MAX_LEVEL = 1 - 1e-12;

/**
 * One-sided p for H0: p_first − p_second ≤ −margin (the first is worse by the margin or more)
 * from Newcombe's paired interval, by test inversion: p is the one-sided tail (1 − L)/2 of the
 * level L at which the interval's bound meets −margin. So p < α exactly when the lower bound of
 * the two-sided (1 − 2α) interval lies above −margin, and p > 1 − α exactly when its upper bound
 * lies below it: the p-value and the interval always tell the same story (McNemar's test asks
 * another question, "any difference at all?", and can disagree with a non-inferiority verdict).
 * Bisection on the level (the bounds widen monotonically with it), to about 1e-12.
 */
export function newcombePairedNonInferiorityP(t: PairedTable, margin: number): number {
  if (!(margin >= 0 && margin < 1)) throw new RangeError(`newcombePairedNonInferiorityP: margin must be in [0, 1), got ${margin}`);
  const n = t.a + t.b + t.c + t.d;
  if (n <= 0) return Number.NaN;
  const target = -margin;
  const est = (t.b - t.c) / n;
  if (est === target) return 0.5;
  // Below the target the upper bound decides, and p is the complement of its tail.
  // Stryker disable next-line EqualityOperator,StringLiteral: est = target returned above; side is only ever compared with "low"
  const side = est > target ? "low" : "high";
  const beyond = (level: number) => {
    const iv = newcombePairedDiff(t, level);
    // Stryker disable next-line EqualityOperator: a bound exactly on the target marks the root, which the bisection reaches from either side
    return side === "low" ? iv.low > target : iv.high < target;
  };
  let lo = 0;
  let hi = MAX_LEVEL;
  if (beyond(hi)) lo = hi;
  else {
    for (let i = 0; i < 60 && hi - lo > 1e-13; i++) {
      const mid = (lo + hi) / 2;
      if (beyond(mid)) lo = mid;
      else hi = mid;
    }
  }
  const tail = (1 - (lo + hi) / 2) / 2;
  return side === "low" ? tail : 1 - tail;
}

/** Which way a one-sided test looks: "greater" tests p1 > p2, "less" tests p1 < p2. */
export type Alternative = "two-sided" | "greater" | "less";

// R's fisher.test tolerance: tables within this relative distance of the observed probability
// count as "as extreme", so floating-point noise cannot drop exactly tied tables.
const FISHER_REL_TOL = 1e-7;

/**
 * Fisher's exact test for x1/n1 vs x2/n2 (table [[x1, n1−x1], [x2, n2−x2]]). Two-sided p sums
 * the probabilities of all tables with the same margins whose probability is ≤ the observed one
 * (×(1 + 1e−7)), as R's fisher.test and scipy do.
 */
// Stryker disable next-line StringLiteral: every alternative but "less" and "greater" is two-sided, so the default's spelling is moot
export function fisherExact(x1: number, n1: number, x2: number, n2: number, alternative: Alternative = "two-sided"): number {
  checkCounts("fisherExact", { x1, n1, x2, n2 });
  if (x1 > n1 || x2 > n2) throw new RangeError("fisherExact: successes exceed trials");
  const table = hypergeometricTable(n1 + n2, x1 + x2, n1);
  if (alternative === "less") return tableCdf(table, x1);
  if (alternative === "greater") return Math.min(1, 1 - tableCdf(table, x1 - 1));
  const observed = tablePmf(table, x1) * (1 + FISHER_REL_TOL);
  let p = 0;
  // Stryker disable next-line EqualityOperator: observed carries the 1 + 1e-7 tolerance, so q equals it only when both are 0 (adds 0)
  for (const q of table.probs) if (q <= observed) p += q;
  return Math.min(1, p);
}

/** Exact and mid-p two-sided McNemar p-values. */
export interface McNemarResult {
  /** Discordant pairs (b + c). */
  discordant: number;
  /** Exact conditional p: 2·P(X ≤ min(b, c)), X ~ Binomial(b + c, ½), capped at 1. */
  pExact: number;
  /** Mid-p: the exact p minus P(X = min(b, c)); less conservative, recommended by Fagerland et al. 2013. */
  pMid: number;
}

/**
 * McNemar's test for paired binary outcomes from the discordant counts: b = only the first
 * passes, c = only the second passes. Conditional on b + c, b ~ Binomial(b + c, ½) under H0.
 */
export function mcnemar(b: number, c: number): McNemarResult {
  checkCounts("mcnemar", { b, c });
  const n = b + c;
  // Stryker disable next-line ConditionalExpression: a shortcut: Binomial(0, ½) is the point mass at 0, which gives the same 1 and 1
  if (n === 0) return { discordant: 0, pExact: 1, pMid: 1 };
  const table = binomialTable(n, 0.5);
  const k = Math.min(b, c);
  const tail = tableCdf(table, k);
  const point = tablePmf(table, k);
  return { discordant: n, pExact: Math.min(1, 2 * tail), pMid: Math.min(1, 2 * tail - point) };
}
