import { describe, expect, it } from "vitest";
import { binomialTable, hypergeometricTable, tableCdf, tablePmf } from "../../src/stats/discrete.ts";
import { expectRel } from "./helpers.ts";

// References: scipy.stats 1.17 binom / hypergeom.
describe("binomialTable", () => {
  it("matches exact small values", () => {
    expectRel(tablePmf(binomialTable(12, 0.5), 2), 0.0161133); // 66/4096
    const t = binomialTable(20, 0.9);
    expectRel(tablePmf(t, 20), 0.121577);
    expectRel(tableCdf(t, 15), 0.0431745);
  });

  it("stays accurate in the tails of large n", () => {
    const t = binomialTable(1000, 0.3);
    expectRel(tableCdf(t, 250), 0.000259803);
    expectRel(tablePmf(t, 300), 0.027521);
    expectRel(tableCdf(binomialTable(5000, 0.5), 2400), 0.00244183);
  });

  it("sums to one and handles degenerate p", () => {
    const s = binomialTable(37, 0.23).probs.reduce((a, b) => a + b, 0);
    expect(s).toBeCloseTo(1, 14);
    expect(tablePmf(binomialTable(5, 0), 0)).toBe(1);
    expect(tablePmf(binomialTable(5, 1), 5)).toBe(1);
    expect(tableCdf(binomialTable(5, 0.5), -1)).toBe(0);
    expect(tableCdf(binomialTable(5, 0.5), 9)).toBe(1);
  });

  it("rejects bad parameters", () => {
    expect(() => binomialTable(-1, 0.5)).toThrow(RangeError);
    expect(() => binomialTable(3, 1.5)).toThrow(RangeError);
  });
});

describe("hypergeometricTable", () => {
  it("matches scipy", () => {
    const t = hypergeometricTable(100, 80, 50);
    expectRel(tablePmf(t, 45), 0.0088976);
    expectRel(tableCdf(t, 40), 0.598436);
    const big = hypergeometricTable(2000, 300, 700);
    expectRel(tablePmf(big, 100), 0.0425418);
    expectRel(tableCdf(big, 80), 0.000539881);
  });

  it("has the right support", () => {
    const t = hypergeometricTable(10, 7, 6); // at least 3 successes must be drawn
    expect(t.lo).toBe(3);
    expect(t.probs.length).toBe(4);
    expect(tablePmf(t, 2)).toBe(0);
  });
});
