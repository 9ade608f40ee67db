import { describe, expect, it } from "vitest";
import { pct, points, prob, ratio, round } from "../../src/detect/format.ts";

// The numbers in every detector's one-line summary and evidence.
describe("summary formatting", () => {
  it("writes rates as percentages and changes as signed points", () => {
    expect(pct(0.8512)).toBe("85.1%");
    expect(points(-0.031)).toBe("−3.1 points");
    expect(points(0.031)).toBe("+3.1 points");
    expect(points(0)).toBe("+0.0 points");
    expect(ratio(1.234)).toBe("×1.23");
  });

  it("writes probabilities to three decimals, and in exponent form below 0.001", () => {
    expect(prob(0.001)).toBe("0.001");
    expect(prob(0.0429)).toBe("0.043");
    expect(prob(0.000999)).toBe("1.0e-3");
    expect(prob(0.0000123)).toBe("1.2e-5");
  });

  it("rounds evidence to four significant digits unless told otherwise, and leaves non-finite numbers alone", () => {
    expect(round(0.123456)).toBe(0.1235);
    expect(round(123456)).toBe(123500);
    expect(round(0.123456, 2)).toBe(0.12);
    expect(round(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(round(Number.NaN)).toBeNaN();
  });
});
