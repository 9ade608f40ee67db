import { describe, expect, it } from "vitest";
import { nonInferiority, pairedDifference } from "../../src/stats/paired.ts";
import { expectRel } from "./helpers.ts";

const incumbent = [5, 5, 4, 4, 3, 2, 1, 0].map((x) => x / 5);
const candidate = [5, 4, 4, 2, 2, 2, 0, 0].map((x) => x / 5);

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
    expect(() => pairedDifference([1, 2], [1])).toThrow(RangeError);
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

  it("validates inputs and refuses undefined comparisons", () => {
    expect(() => nonInferiority(diff, -0.1)).toThrow(RangeError);
    expect(nonInferiority(pairedDifference([1], [1]), 0.1).nonInferior).toBe(false);
  });
});
