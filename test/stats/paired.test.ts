import { describe, expect, it } from "vitest";
import { nonInferiority, pairedDifference, withSeFloor, type PairedDifference } from "../../src/stats/paired.ts";
import { expectRel, rejects } from "./helpers.ts";

const incumbent = [5, 5, 4, 4, 3, 2, 1, 0].map((x) => x / 5);
const candidate = [5, 4, 4, 2, 2, 2, 0, 0].map((x) => x / 5);

// With one degree of freedom t is the Cauchy distribution: F(x) = ½ + atan(x)/π and
// t_{q,1} = tan(π(q − ½)), so two cases give closed forms.
const cauchyCdf = (x: number) => 0.5 + Math.atan(x) / Math.PI;
const cauchyQuantile = (q: number) => Math.tan(Math.PI * (q - 0.5));

// Two cases whose differences are 1 and 0: mean ½, sd √½, se ½, t = 1 on 1 df.
const twoCases = () => pairedDifference([0, 0], [1, 0]);
// Every case dropped by exactly ¼ (binary fractions, so the differences are exact): sd = se = 0.
const allDropQuarter = () => pairedDifference([0.75, 0.5, 1, 0.25], [0.5, 0.25, 0.75, 0]);

describe("pairedDifference", () => {
  // Reference: scipy.stats.ttest_rel(candidate, incumbent) → t = -2.37595, p = 0.0491737.
  it("matches the paired t-test", () => {
    const r = pairedDifference(incumbent, candidate);
    expect(r.k).toBe(8);
    expect(r.df).toBe(7);
    expectRel(r.meanDiff, -0.125);
    expectRel(r.sd, 0.148805);
    expectRel(r.se, 0.0526104);
    expectRel(r.t, -2.37595);
    expectRel(r.pValue, 0.0491737);
    expectRel(r.interval.low, -0.249404);
    expectRel(r.interval.high, -0.000596106);
  });

  it("is symmetric in sign", () => {
    const r = pairedDifference(candidate, incumbent);
    expectRel(r.meanDiff, 0.125);
    expectRel(r.pValue, 0.0491737);
  });

  it("handles degenerate inputs", () => {
    const same = pairedDifference([1, 0.5, 0], [1, 0.5, 0]);
    expect(same.pValue).toBe(1);
    expect([same.interval.low, same.interval.high]).toEqual([0, 0]);
    const one = pairedDifference([1], [0]);
    expect(one.meanDiff).toBe(-1);
    expect(one.pValue).toBeNaN();
  });

  it("names both lengths when they differ", () => {
    rejects(() => pairedDifference([1, 2], [1]), /^pairedDifference: 2 incumbent scores vs 1 candidate scores$/);
    rejects(() => pairedDifference([], [0.5]), /^pairedDifference: 0 incumbent scores vs 1 candidate scores$/);
  });

  it("tests two cases already (df = 1, Cauchy closed forms)", () => {
    const r = twoCases();
    expect([r.k, r.df]).toEqual([2, 1]);
    expectRel(r.meanDiff, 0.5, 1e-12);
    expectRel(r.sd, Math.SQRT1_2, 1e-12);
    expectRel(r.se, 0.5, 1e-12);
    expectRel(r.t, 1, 1e-12);
    expectRel(r.pValue, 2 * cauchyCdf(-1), 1e-9); // = ½
    const half = cauchyQuantile(0.975) * 0.5; // 12.7062 × ½
    expectRel(r.interval.low, 0.5 - half, 1e-9);
    expectRel(r.interval.high, 0.5 + half, 1e-9);
  });

  it("gives NaN below two cases, keeping the one difference there is and df = K − 1", () => {
    const nan = Number.NaN;
    expect(pairedDifference([1], [0], 0.9)).toEqual({
      k: 1,
      meanDiff: -1,
      sd: nan,
      se: nan,
      df: 0,
      t: nan,
      pValue: nan,
      interval: { estimate: -1, low: nan, high: nan, level: 0.9 },
    });
    const none = pairedDifference([], []);
    expect([none.k, none.df]).toEqual([0, -1]);
    expect(none.meanDiff).toBeNaN();
    expect(none.interval).toEqual({ estimate: nan, low: nan, high: nan, level: 0.95 });
  });

  it("with every case moved alike (se = 0): p = 0 for a shift, and the interval is the point", () => {
    const r = allDropQuarter();
    expect([r.meanDiff, r.sd, r.se, r.t, r.pValue]).toEqual([-0.25, 0, 0, Number.NEGATIVE_INFINITY, 0]);
    expect(r.interval).toEqual({ estimate: -0.25, low: -0.25, high: -0.25, level: 0.95 });
    const up = pairedDifference([0, 0, 0], [0.5, 0.5, 0.5]);
    expect([up.t, up.pValue]).toEqual([Number.POSITIVE_INFINITY, 0]);
  });

  it("at level 1 spans the whole line, except the point when se = 0", () => {
    const r = pairedDifference(incumbent, candidate, 1);
    expect([r.interval.low, r.interval.high]).toEqual([Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]);
    const alike = pairedDifference([0.75, 0.5, 1, 0.25], [0.5, 0.25, 0.75, 0], 1);
    expect(alike.interval).toEqual({ estimate: -0.25, low: -0.25, high: -0.25, level: 1 });
  });
});

describe("withSeFloor", () => {
  const diff = pairedDifference(incumbent, candidate);

  // Reference: se = 0.1, t = -0.125/0.1 = -1.25, p = 2·scipy.stats.t.sf(1.25, 7) = 0.251468,
  // half-width = scipy.stats.t.ppf(0.975, 7)·0.1 = 0.236462.
  it("raises a smaller standard error to the floor and recomputes t, p and the interval", () => {
    const f = withSeFloor(diff, 0.1);
    expect(f.floored).toBe(true);
    expect([f.k, f.df, f.meanDiff, f.sd]).toEqual([diff.k, diff.df, diff.meanDiff, diff.sd]);
    expect(f.se).toBe(0.1);
    expectRel(f.t, -1.25, 1e-12);
    expectRel(f.pValue, 0.251468);
    expect(f.interval.estimate).toBe(-0.125);
    expect(f.interval.level).toBe(0.95);
    expectRel(f.interval.low, -0.361462);
    expectRel(f.interval.high, 0.111462);
  });

  // Reference: half-width = scipy.stats.t.ppf(0.95, 7)·0.1 = 0.189458.
  it("keeps the interval's level", () => {
    const f = withSeFloor(pairedDifference(incumbent, candidate, 0.9), 0.1);
    expect(f.interval.level).toBe(0.9);
    expectRel(f.interval.low, -0.314458);
    expectRel(f.interval.high, 0.0644579);
  });

  // Reference: t = -0.25/0.05 = -5 on 3 df, p = 2·scipy.stats.t.cdf(-5, 3) = 0.0153924,
  // half-width = scipy.stats.t.ppf(0.975, 3)·0.05 = 0.159122.
  it("gives cases that all moved alike a finite t", () => {
    const f = withSeFloor(allDropQuarter(), 0.05);
    expect(f.floored).toBe(true);
    expectRel(f.t, -5, 1e-12);
    expectRel(f.pValue, 0.0153924);
    expectRel(f.interval.low, -0.409122);
    expectRel(f.interval.high, -0.0908777);
  });

  it("floors two cases (df = 1) too", () => {
    const f = withSeFloor(twoCases(), 1);
    expect(f.floored).toBe(true);
    expectRel(f.t, 0.5, 1e-12);
    expectRel(f.pValue, 2 * cauchyCdf(-0.5), 1e-9);
    expectRel(f.interval.high, 0.5 + cauchyQuantile(0.975), 1e-9);
  });

  it("leaves a standard error at or above the floor alone", () => {
    expect(withSeFloor(diff, diff.se)).toEqual({ ...diff, floored: false });
    expect(withSeFloor(diff, 0.01)).toEqual({ ...diff, floored: false });
    expect(withSeFloor(diff, Number.NaN)).toEqual({ ...diff, floored: false });
  });

  it("leaves undefined differences alone: under two cases, or a NaN standard error", () => {
    const one = pairedDifference([1], [0]);
    expect(withSeFloor(one, 0.1)).toEqual({ ...one, floored: false });
    const nanScore = pairedDifference([Number.NaN, 0], [0, 0]);
    expect(withSeFloor(nanScore, 0.1)).toEqual({ ...nanScore, floored: false });
    // The df guard holds on its own, whatever standard error a one-case summary carries.
    const oneWithSe: PairedDifference = { ...one, se: 0 };
    expect(withSeFloor(oneWithSe, 0.1)).toEqual({ ...oneWithSe, floored: false });
  });
});

describe("nonInferiority", () => {
  const diff = pairedDifference(incumbent, candidate);
  // Reference: t = (mean + margin)/se, p = scipy.stats.t.sf(t, 7); lower = mean − t.ppf(0.95, 7)·se.
  it("rejects a margin smaller than the observed drop", () => {
    const d = nonInferiority(diff, 0.1);
    expect(d.nonInferior).toBe(false);
    expectRel(d.pValue, 0.67544);
    expectRel(d.lowerBound, -0.224675);
  });

  it("accepts a generous margin", () => {
    const d = nonInferiority(diff, 0.3);
    expect(d.nonInferior).toBe(true);
    expectRel(d.pValue, 0.00632725);
  });

  it("agrees with the lower-bound rule", () => {
    const d = nonInferiority(diff, 0.2);
    expectRel(d.pValue, 0.098511);
    expect(d.nonInferior).toBe(d.lowerBound > -0.2);
    expect(nonInferiority(diff, 0.23).nonInferior).toBe(true);
  });

  it("refuses undefined comparisons", () => {
    expect(nonInferiority(pairedDifference([1], [1]), 0.1).nonInferior).toBe(false);
  });

  it("names the bad margin or alpha", () => {
    rejects(() => nonInferiority(diff, -0.1), /^nonInferiority: margin must be ≥ 0, got -0.1$/);
    rejects(() => nonInferiority(diff, 0.1, 1.5), /^nonInferiority: alpha must be in \(0, 1\), got 1.5$/);
    rejects(() => nonInferiority(diff, 0.1, Number.NaN), /^nonInferiority: alpha must be in \(0, 1\), got NaN$/);
  });

  it("echoes margin and alpha, and defaults alpha to 0.05", () => {
    const d = nonInferiority(diff, 0.1);
    expect([d.margin, d.alpha]).toEqual([0.1, 0.05]);
  });

  // Two cases: p = P(T₁ > (½ + 0.1)/½) = 1 − F(1.2), lower = ½ − t_{0.95,1}·½.
  it("decides on two cases (df = 1)", () => {
    const d = nonInferiority(twoCases(), 0.1);
    expectRel(d.pValue, cauchyCdf(-1.2), 1e-9); // 0.221142
    expectRel(d.lowerBound, 0.5 - cauchyQuantile(0.95) * 0.5, 1e-9); // -2.65688
    expect(d.nonInferior).toBe(false);
    expect(nonInferiority(twoCases(), 0.1, 0.25).nonInferior).toBe(true);
  });

  it("gives p = ½ when the mean difference sits on −margin, and p = α is not enough", () => {
    // Differences -¼ and -¾: mean -½, so with margin ½ the statistic is 0.
    const onTheMargin = pairedDifference([1, 1], [0.75, 0.25]);
    const d = nonInferiority(onTheMargin, 0.5, 0.5);
    expect(d.pValue).toBe(0.5);
    expect(d.nonInferior).toBe(false);
    expect(nonInferiority(onTheMargin, 0.5, 0.51).nonInferior).toBe(true);
  });

  it("with every case moved alike (se = 0) decides on the sign of mean + margin", () => {
    const alike = allDropQuarter();
    expect(nonInferiority(alike, 0.3)).toEqual({ nonInferior: true, lowerBound: -0.25, pValue: 0, margin: 0.3, alpha: 0.05 });
    expect(nonInferiority(alike, 0.25)).toEqual({ nonInferior: false, lowerBound: -0.25, pValue: 1, margin: 0.25, alpha: 0.05 });
    expect(nonInferiority(alike, 0.2)).toEqual({ nonInferior: false, lowerBound: -0.25, pValue: 1, margin: 0.2, alpha: 0.05 });
  });

  it("is never non-inferior without a defined difference", () => {
    const nan = Number.NaN;
    expect(nonInferiority(pairedDifference([], []), 0.1)).toEqual({
      nonInferior: false,
      lowerBound: nan,
      pValue: nan,
      margin: 0.1,
      alpha: 0.05,
    });
    // A NaN score: two cases (df = 1) but a NaN standard error.
    const nanScore = nonInferiority(pairedDifference([Number.NaN, 0], [0, 0]), 0.1);
    expect([nanScore.nonInferior, nanScore.pValue, nanScore.lowerBound]).toEqual([false, nan, nan]);
    // Under two cases, whatever standard error the summary carries.
    const oneWithSe: PairedDifference = { ...pairedDifference([0], [0.5]), se: 0 };
    expect(nonInferiority(oneWithSe, 0.1)).toEqual({ nonInferior: false, lowerBound: nan, pValue: nan, margin: 0.1, alpha: 0.05 });
  });
});
