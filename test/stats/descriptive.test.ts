import { describe, expect, it } from "vitest";
import { mean, quantile, sampleSd } from "../../src/stats/descriptive.ts";
import { expectRel } from "./helpers.ts";

// References: numpy.mean, numpy.std(ddof=1) and numpy.quantile (method "linear", R's type 7).
describe("mean", () => {
  it("is the sum over the count", () => {
    expect(mean([7])).toBe(7);
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(mean([-3.5, 0.25, 1, 6.75])).toBe(1.125);
  });

  it("is NaN for an empty sample", () => {
    expect(mean([])).toBeNaN();
  });
});

describe("sampleSd", () => {
  it("uses the n − 1 denominator", () => {
    // Σ(x − 5)² = 32 over 7 degrees of freedom (the population SD of this sample is exactly 2).
    expectRel(sampleSd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7), 1e-12);
    expectRel(sampleSd([-3.5, 0.25, 1, 6.75]), 4.235268586524354, 1e-12);
  });

  it("is defined from two values on, and 0 for a constant sample", () => {
    expect(sampleSd([1, 3])).toBe(Math.SQRT2);
    expect(sampleSd([4, 4, 4])).toBe(0);
  });

  it("is NaN below two values", () => {
    expect(sampleSd([5])).toBeNaN();
    expect(sampleSd([])).toBeNaN();
  });
});

describe("quantile (type 7)", () => {
  it("sorts numerically, not as strings, and leaves the input alone", () => {
    const xs = [10, 9, 2, 100]; // as strings this would sort 10, 100, 2, 9
    expect(quantile(xs, 0)).toBe(2);
    expect(quantile(xs, 1)).toBe(100);
    expect(xs).toEqual([10, 9, 2, 100]);
  });

  it("interpolates linearly between order statistics", () => {
    const xs = [10, 9, 2, 100];
    expect(quantile(xs, 0.25)).toBe(7.25); // h = 0.75: 2 + 0.75·(9 − 2)
    expect(quantile(xs, 0.5)).toBe(9.5); // h = 1.5: 9 + 0.5·(10 − 9)
    expectRel(quantile(xs, 0.9), 73, 1e-12); // h = 2.7: 10 + 0.7·(100 − 10)
    const mixed = [3, -1.5, 0, -7, 2.5];
    const expected = [-7, -4.8, -1.2, 0, 2.6, 3];
    [0, 0.1, 0.3, 0.5, 0.8, 1].forEach((q, i) => expectRel(quantile(mixed, q), expected[i]!, 1e-12));
  });

  it("returns an order statistic exactly when h is whole, also with ties", () => {
    expect(quantile([1, 5, 1, 1], 0.5)).toBe(1);
    expect(quantile([4, 2, 8, 6, 0], 0.75)).toBe(6); // h = 3
    expect(quantile([42], 0.3)).toBe(42);
  });

  it("is NaN for an empty sample", () => {
    expect(quantile([], 0.5)).toBeNaN();
    expect(quantile([], 0)).toBeNaN();
  });
});
