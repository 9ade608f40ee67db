// Input validation of the statistics: each bound is accepted at its edge and rejected just past
// it, with a RangeError that names the function and the argument.
import { describe, expect, it } from "vitest";
import { arlCusum, arlEwma, cusumHForArl0, ewmaLForArl0, ewmaStart, ewmaStep } from "../../src/stats/control.ts";
import { binomialTable, hypergeometricTable } from "../../src/stats/discrete.ts";
import { mannWhitney } from "../../src/stats/mannWhitney.ts";
import { bisect, solveLinear } from "../../src/stats/numeric.ts";
import { nonInferiority, pairedDifference } from "../../src/stats/paired.ts";
import { clusteredMeanVariance, minimumDetectableDrop, repeatsNeeded } from "../../src/stats/power.ts";
import { fisherExact, mcnemar, newcombeDiff, newcombePairedNonInferiorityP } from "../../src/stats/proportions.ts";
import { createRng } from "../../src/stats/rng.ts";
import { rejects } from "./helpers.ts";

describe("control charts", () => {
  it("arlCusum needs k and h ≥ 0", () => {
    expect(arlCusum(0, 0)).toBeGreaterThan(0);
    rejects(() => arlCusum(-0.01, 4), /^arlCusum: k and h must be ≥ 0, got k=-0.01, h=4$/);
    rejects(() => arlCusum(0.5, -1), /^arlCusum: k and h must be ≥ 0/);
    rejects(() => arlCusum(Number.NaN, 4), /^arlCusum/);
  });

  it("cusumHForArl0 needs an ARL₀ above the chart's floor (h = 0)", () => {
    const floor = arlCusum(0.5, 0);
    expect(cusumHForArl0(floor * 1.01, 0.5)).toBeGreaterThan(0);
    rejects(() => cusumHForArl0(floor, 0.5), new RegExp(`^cusumHForArl0: arl0 must exceed ${floor.toFixed(2)} for k=0.5, got ${floor}$`));
  });

  it("the EWMA needs λ in (0, 1], L > 0, ARL₀ > 1 and a finite observation", () => {
    expect(ewmaStep(ewmaStart(), -1, { lambda: 1, L: 3 }).state.e).toBe(-1);
    rejects(() => ewmaStep(ewmaStart(), 0, { lambda: 1.01, L: 3 }), /^EWMA lambda must be in \(0, 1\], got 1.01$/);
    rejects(() => ewmaStep(ewmaStart(), 0, { lambda: -0.1, L: 3 }), /^EWMA lambda/);
    rejects(
      () => ewmaStep(ewmaStart(), Number.POSITIVE_INFINITY, { lambda: 0.2, L: 3 }),
      /^ewmaStep: observation must be finite, got Infinity$/,
    );
    rejects(() => arlEwma(0.2, 0), /^arlEwma: L must be > 0, got 0$/);
    rejects(() => arlEwma(0, 3), /^EWMA lambda/);
    rejects(() => ewmaLForArl0(1, 0.2), /^ewmaLForArl0: arl0 must exceed 1, got 1$/);
    rejects(() => ewmaLForArl0(100, 2), /^EWMA lambda/);
  });
});

describe("discrete distributions", () => {
  it("binomialTable needs a whole n ≥ 0 and p in [0, 1]", () => {
    expect(Array.from(binomialTable(0, 0.5).probs)).toEqual([1]);
    expect(Array.from(binomialTable(2, 1).probs)).toEqual([0, 0, 1]);
    rejects(() => binomialTable(1.5, 0.5), /^binomial n must be a non-negative integer, got 1.5$/);
    rejects(() => binomialTable(2, -0.01), /^binomial p must be in \[0, 1\], got -0.01$/);
    rejects(() => binomialTable(2, Number.NaN), /^binomial p/);
  });

  it("hypergeometricTable needs whole counts, with successes and draws within the total", () => {
    expect(hypergeometricTable(5, 5, 5).lo).toBe(5);
    rejects(() => hypergeometricTable(-1, 0, 0), /^hypergeometric total must be a non-negative integer, got -1$/);
    rejects(() => hypergeometricTable(5, 2.5, 1), /^hypergeometric successes must be/);
    rejects(() => hypergeometricTable(5, 2, -1), /^hypergeometric draws must be/);
    rejects(() => hypergeometricTable(5, 6, 1), /^hypergeometric successes and draws must not exceed total$/);
    rejects(() => hypergeometricTable(5, 1, 6), /^hypergeometric successes and draws must not exceed total$/);
  });

  it("the RNG's binomial needs a whole n ≥ 0 and p in [0, 1]", () => {
    const rng = createRng(1);
    expect(rng.binomial(0, 1)).toBe(0);
    expect(rng.binomial(4, 1)).toBe(4);
    rejects(() => rng.binomial(-1, 0.5), /^binomial n must be a non-negative integer, got -1$/);
    rejects(() => rng.binomial(3, 1.5), /^binomial p must be in \[0, 1\], got 1.5$/);
  });
});

describe("numeric helpers", () => {
  it("bisect needs a sign change, and returns an endpoint that is already a root", () => {
    expect(bisect((x) => x - 1, 1, 3)).toBe(1);
    expect(bisect((x) => x - 3, 1, 3)).toBe(3);
    expect(bisect((x) => x - 2, 0, 3)).toBeCloseTo(2, 9);
    rejects(() => bisect((x) => x, 1, 2), /^bisect: no sign change on \[1, 2\]$/);
  });

  it("solveLinear refuses a singular matrix and pivots past a zero", () => {
    rejects(() => solveLinear(Float64Array.from([1, 2, 2, 4]), Float64Array.from([1, 2]), 2), /^solveLinear: singular matrix$/);
    expect(Array.from(solveLinear(Float64Array.from([0, 1, 1, 0]), Float64Array.from([2, 3]), 2))).toEqual([3, 2]);
  });
});

describe("comparisons", () => {
  it("mannWhitney needs finite values, and distinct ones for the exact method", () => {
    rejects(() => mannWhitney([1, Number.NaN], [2]), /^mannWhitney: values must be finite numbers$/);
    rejects(() => mannWhitney([1, 2], [2, 3], { method: "exact" }), /^mannWhitney: the exact method needs distinct values/);
    expect(mannWhitney([1, 2], [3, 4], { method: "exact" }).method).toBe("exact");
  });

  it("nonInferiority needs a margin ≥ 0 and α in (0, 1)", () => {
    const diff = pairedDifference([0.5, 0.6, 0.7], [0.55, 0.6, 0.72]);
    expect(nonInferiority(diff, 0).margin).toBe(0);
    rejects(() => nonInferiority(diff, 0.05, 0), /^nonInferiority: alpha must be in \(0, 1\), got 0$/);
    rejects(() => nonInferiority(diff, 0.05, 1), /^nonInferiority: alpha/);
    rejects(() => nonInferiority(diff, Number.NaN), /^nonInferiority: margin must be ≥ 0, got NaN$/);
    rejects(() => pairedDifference([1, 2, 3], [1, 2]), /^pairedDifference: 3 incumbent scores vs 2 candidate scores$/);
  });

  it("the proportion tests need whole non-negative counts within their trials", () => {
    rejects(() => newcombeDiff(1, 2.5, 0, 2), /^newcombeDiff: n1 must be a non-negative integer, got 2.5$/);
    rejects(() => newcombeDiff(1, 2, 3, 2), /^newcombeDiff: successes exceed trials$/);
    rejects(() => fisherExact(1, 5, -1, 5), /^fisherExact: x2 must be a non-negative integer, got -1$/);
    rejects(() => fisherExact(1, 5, 6, 5), /^fisherExact: successes exceed trials$/);
    rejects(() => mcnemar(-1, 2), /^mcnemar: b must be a non-negative integer, got -1$/);
    expect(newcombeDiff(2, 2, 0, 2).estimate).toBe(1);
  });

  it("newcombePairedNonInferiorityP needs a margin in [0, 1)", () => {
    const t = { a: 10, b: 2, c: 3, d: 5 };
    expect(newcombePairedNonInferiorityP(t, 0)).toBeGreaterThan(0);
    rejects(() => newcombePairedNonInferiorityP(t, 1), /^newcombePairedNonInferiorityP: margin must be in \[0, 1\), got 1$/);
    rejects(() => newcombePairedNonInferiorityP(t, -0.01), /^newcombePairedNonInferiorityP: margin/);
  });
});

describe("power", () => {
  const design = { k: 40, n: 5, meanRate: 0.85 };

  it("accepts the edges of every argument", () => {
    expect(minimumDetectableDrop({ ...design, k: 1 })).toBeGreaterThan(0);
    expect(minimumDetectableDrop({ ...design, meanRate: 1 })).toBe(0);
    // All the variance between cases: pairing by case cancels it.
    expect(minimumDetectableDrop({ ...design, betweenCaseVar: 0.85 * 0.15 })).toBe(0);
    expect(minimumDetectableDrop({ ...design, n: 1, baselineRuns: 1 })).toBeGreaterThan(0);
    expect(clusteredMeanVariance({ k: 1, n: 1, meanRate: 0.5 })).toBe(0.25);
  });

  it("rejects each argument past its edge, naming it", () => {
    rejects(() => minimumDetectableDrop({ ...design, k: 2.5 }), /^power: k must be a positive integer, got 2.5$/);
    rejects(() => minimumDetectableDrop({ ...design, meanRate: 1.01 }), /^power: meanRate must be in \[0, 1\], got 1.01$/);
    rejects(() => minimumDetectableDrop({ ...design, meanRate: -0.01 }), /^power: meanRate/);
    rejects(() => minimumDetectableDrop({ ...design, betweenCaseVar: -0.01 }), /^power: betweenCaseVar must be in \[0, meanRate/);
    rejects(() => minimumDetectableDrop({ ...design, diffVar: -0.01 }), /^power: diffVar must be ≥ 0, got -0.01$/);
    rejects(() => minimumDetectableDrop({ ...design, alpha: 1 }), /^power: alpha must be in \(0, 1\), got 1$/);
    rejects(() => minimumDetectableDrop({ ...design, alpha: 0 }), /^power: alpha/);
    rejects(() => minimumDetectableDrop({ ...design, power: 1 }), /^power: power must be in \(0, 1\), got 1$/);
    rejects(() => minimumDetectableDrop({ ...design, power: 0 }), /^power: power/);
    rejects(() => minimumDetectableDrop({ ...design, baselineRuns: 0.5 }), /^power: baselineRuns must be ≥ 1, got 0.5$/);
    rejects(() => minimumDetectableDrop({ ...design, n: 0.5 }), /^minimumDetectableDrop: n must be ≥ 1, got 0.5$/);
    rejects(() => clusteredMeanVariance({ k: 10, n: 0, meanRate: 0.5 }), /^power: n must be ≥ 1, got 0$/);
    rejects(() => repeatsNeeded({ ...design, targetDrop: 0 }), /^repeatsNeeded: targetDrop must be > 0, got 0$/);
  });
});
