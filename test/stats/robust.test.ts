import { describe, expect, it } from "vitest";
import { mad, madScaled, meanAbsoluteDeviation, median, modifiedZ, modifiedZScorer, modifiedZScores } from "../../src/stats/robust.ts";
import { expectRel } from "./helpers.ts";

// References: numpy.median and scipy.stats.median_abs_deviation; z-scores by the formulas.
describe("median and MAD", () => {
  it("odd, even and empty samples", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(mad([])).toBeNaN();
  });

  it("matches scipy", () => {
    const xs = [3.2, 1.5, 2.7, 2.7, 9.9, 0.4];
    expectRel(mad(xs), 0.85);
    expectRel(madScaled(xs), 1.26021);
    expectRel(madScaled([1, 2, 3, 4, 100, 6]), 2.9652);
    expectRel(meanAbsoluteDeviation([10, 11, 12, 12, 13, 14, 35]), 4.14286);
  });
});

describe("modified z-score", () => {
  it("Iglewicz–Hoaglin form when MAD > 0", () => {
    const xs = [10, 11, 12, 12, 13, 14, 35];
    const z = modifiedZScores(xs);
    expectRel(z[6]!, 15.5135);
    expectRel(z[0]!, -1.349);
    expect(z[2]).toBe(0);
    const mixed = modifiedZScores([3.2, 1.5, 2.7, 2.7, 9.9, 0.4]);
    expectRel(mixed[4]!, 5.71341);
    expectRel(mixed[5]!, -1.82512);
    expectRel(modifiedZ(100, [1, 2, 3, 4, 100, 6]), 32.5446);
  });

  it("falls back to 1.253314·MeanAD when MAD = 0", () => {
    const xs = [10, 10, 10, 10, 10, 10, 10, 100];
    expect(mad(xs)).toBe(0);
    const score = modifiedZScorer(xs);
    expect(score(100).method).toBe("meanAd");
    expectRel(score(100).z, 6.38308); // 90/(1.253314·11.25)
    expect(score(10).z).toBe(0);
  });

  it("is 0 or ±Infinity against a constant baseline", () => {
    expect(modifiedZ(5, [5, 5, 5])).toBe(0);
    expect(modifiedZ(6, [5, 5, 5])).toBe(Number.POSITIVE_INFINITY);
    expect(modifiedZ(4, [5, 5, 5])).toBe(Number.NEGATIVE_INFINITY);
    expect(modifiedZScorer([5])(5).method).toBe("constant");
    expect(modifiedZ(1, [])).toBeNaN();
  });
});
