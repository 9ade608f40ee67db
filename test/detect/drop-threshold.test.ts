import { describe, expect, it } from "vitest";
import type { AccuracyComparison } from "../../src/detect/accuracy.ts";
import { dropThreshold, overdispersed, suddenDropFinding } from "../../src/detect/drop.ts";
import { BUDGET_SHARES } from "../../src/detect/policy.ts";
import { normalQuantile } from "../../src/stats/distributions.ts";
import { hourlyPolicy, point } from "./helpers.ts";

// A policy whose sudden drop pages at α_drop = 1e-4 (derived from its share, not a magic R).
const ALPHA = 1e-4;
const policy = hourlyPolicy({ false_alarm_runs: Math.round(BUDGET_SHARES.drop / ALPHA) });

const cmp = (over: Partial<AccuracyComparison> = {}): AccuracyComparison => ({
  cases: 10,
  drop: 0,
  now: 0.99,
  baseline: 0.99,
  sigmaModel: 0.01,
  sigmaEmpirical: null,
  sigma: 0.01,
  z: 0,
  skew: 0,
  baselineShare: 0.02,
  worst: [],
  ...over,
});

/** P(F > x) for F ~ Binomial(n, q), summed in log space. */
function binomialUpperTail(n: number, q: number, x: number): number {
  let logP = n * Math.log1p(-q);
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    if (k > x) sum += Math.exp(logP);
    logP += Math.log(((n - k) / (k + 1)) * (q / (1 - q)));
  }
  return sum;
}

describe("dropThreshold (the z-test fallback)", () => {
  it("is the normal quantile when the drop is symmetric", () => {
    expect(policy.alpha.drop).toBeCloseTo(ALPHA, 12);
    expect(policy.dropZ).toBeCloseTo(normalQuantile(1 - ALPHA), 12);
    expect(dropThreshold(cmp(), policy)).toBe(-policy.dropZ);
  });

  it("moves further out for the negative skew of high pass rates (Cornish–Fisher), and in for positive", () => {
    const z = policy.dropZ;
    const low = dropThreshold(cmp({ skew: -0.3 }), policy);
    expect(low).toBeLessThan(-z);
    expect(low).toBeCloseTo(-z + ((z * z - 1) * -0.3) / 6, 12);
    expect(dropThreshold(cmp({ skew: 0.3 }), policy)).toBeGreaterThan(-z);
  });

  it("holds α where the normal quantile would not: 2000 trials at a 99% pass rate", () => {
    // The drop's failures are the rare side: the run's rate is (n − F)/n, F ~ Binomial(n, 1%),
    // standardised z = (λ − F)/sd, skew −(1 − 2q)/sd. A run pages when z < threshold, i.e. F > λ − threshold·sd.
    const n = 2000;
    const q = 0.01;
    const sd = Math.sqrt(n * q * (1 - q));
    const skew = -(1 - 2 * q) / sd;
    const falseAlarms = (threshold: number) => binomialUpperTail(n, q, n * q - threshold * sd);
    const corrected = falseAlarms(dropThreshold(cmp({ skew }), policy));
    expect(corrected).toBeGreaterThan(0.5 * ALPHA);
    expect(corrected).toBeLessThan(1.5 * ALPHA);
    // The uncorrected normal quantile pages about four times as often as designed.
    expect(falseAlarms(-policy.dropZ)).toBeGreaterThan(3 * ALPHA);
  });

  it("caps the skew at ±1", () => {
    expect(dropThreshold(cmp({ skew: -5 }), policy)).toBe(dropThreshold(cmp({ skew: -1 }), policy));
    expect(dropThreshold(cmp({ skew: 5 }), policy)).toBe(dropThreshold(cmp({ skew: 1 }), policy));
    expect(dropThreshold(cmp({ skew: -1 }), policy)).toBeLessThan(dropThreshold(cmp({ skew: -0.9 }), policy));
  });
});

describe("the overdispersed fallback", () => {
  // 1 + 2.326·1.166/√48 ≈ 1.391: the robust spread must exceed the model's by that factor.
  const margin = 1 + (2.326 * 1.166) / Math.sqrt(48);

  it("takes over only when the baseline's spread is beyond the model's by the MAD's margin", () => {
    expect(overdispersed(cmp({ sigmaEmpirical: 0.01 * margin * 1.01 }), 48)).toBe(true);
    expect(overdispersed(cmp({ sigmaEmpirical: 0.01 * margin * 0.99 }), 48)).toBe(false);
    expect(overdispersed(cmp({ sigmaEmpirical: null }), 48)).toBe(false);
    expect(overdispersed(cmp({ sigmaEmpirical: 1, sigmaModel: 0 }), 48)).toBe(false);
    expect(overdispersed(cmp({ sigmaEmpirical: 1 }), 1)).toBe(false);
    // Two baseline runs are the fewest with a spread of their own.
    expect(overdispersed(cmp({ sigmaEmpirical: 1 }), 2)).toBe(true);
  });

  it("pages on the z-test beyond the skew-corrected threshold, ignoring the exact tests", () => {
    const run = point({ id: "now" });
    const spread = { sigmaEmpirical: 0.02, sigma: 0.02, skew: -0.3 };
    const threshold = dropThreshold(cmp(spread), policy);
    const quiet = [{ runs: 1, p: 0.5, alpha: ALPHA, now: 0.99, baseline: 0.99, failsNow: 1, expectedFails: 1 }];
    // Just inside the threshold: no page, whatever the exact test says.
    const loud = [{ ...quiet[0]!, p: 1e-9 }];
    expect(suddenDropFinding(run, cmp({ ...spread, z: threshold + 0.01 }), loud, 48, policy)).toBeUndefined();
    expect(suddenDropFinding(run, cmp({ ...spread, z: threshold }), loud, 48, policy)).toBeUndefined();
    const f = suddenDropFinding(run, cmp({ ...spread, z: threshold - 0.01, drop: -0.09, now: 0.9 }), quiet, 48, policy)!;
    expect(f).toMatchObject({ detector: "drop", severity: "critical" });
    expect(f.evidence).toMatchObject({ test: "z-empirical", skew: -0.3, runId: "now" });
    expect(f.evidence.threshold).toBe(Number(threshold.toPrecision(4)));
  });

  it("otherwise pages on the window whose p is smallest against its level", () => {
    const run = point({ id: "now" });
    const w = (runs: number, p: number, alpha: number) => ({ runs, p, alpha, now: 0.8, baseline: 0.9, failsNow: 10, expectedFails: 5 });
    expect(suddenDropFinding(run, cmp(), [w(1, 0.01, 0.001), w(2, 0.001, 0.001)], 48, policy)).toBeUndefined();
    const f = suddenDropFinding(run, cmp(), [w(1, 4e-4, 1e-3), w(2, 1e-4, 1e-3), w(4, 9e-4, 1e-3)], 48, policy)!;
    expect(f.evidence).toMatchObject({ test: "conditional-exact", windowRuns: 2, p: 1e-4 });
    expect(f.summary).toContain("over the last 2 runs");
  });
});
