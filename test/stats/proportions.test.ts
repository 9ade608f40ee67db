import { describe, expect, it } from "vitest";
import { fisherExact, mcnemar, newcombeDiff, newcombePairedDiff } from "../../src/stats/proportions.ts";
import { expectRel } from "./helpers.ts";

describe("newcombeDiff (independent, method 10)", () => {
  // Published: Newcombe (1998) Stat Med 17:873, Table II, method 10 (to 4 dp); the 6-digit
  // values were recomputed from the formula in Python and agree with the published ones.
  const cases: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.0524315, 0.333873], // published 0.0524, 0.3339
    [9, 10, 3, 10, 0.170523, 0.809018], // published 0.1705, 0.8090
    [6, 7, 2, 7, 0.0582279, 0.80625], // published 0.0582, 0.8062
    [5, 56, 0, 29, -0.0381372, 0.19256], // published -0.0381, 0.1926
    [0, 10, 0, 20, -0.161125, 0.277533], // published -0.1611, 0.2775
    [10, 10, 0, 20, 0.679086, 1], // published 0.6791, 1.0000
    [7, 34, 1, 34, 0.0189214, 0.340369], // Fagerland et al. 2017 (Perondi): 0.0189, 0.3404
  ];
  it.each(cases)("%i/%i − %i/%i", (x1, n1, x2, n2, low, high) => {
    const ci = newcombeDiff(x1, n1, x2, n2);
    expectRel(ci.estimate, x1 / n1 - x2 / n2, 1e-12);
    expectRel(ci.low, low);
    expectRel(ci.high, high);
  });

  it("gives an uninformative interval for empty samples", () => {
    const ci = newcombeDiff(0, 0, 3, 10);
    expect(ci.estimate).toBeNaN();
    expect([ci.low, ci.high]).toEqual([-1, 1]);
    expect(() => newcombeDiff(11, 10, 3, 10)).toThrow(RangeError);
    expect(() => newcombePairedDiff({ a: -1, b: 0, c: 0, d: 3 })).toThrow(RangeError);
    expect(() => mcnemar(1.5, 2)).toThrow(RangeError);
  });
});

describe("newcombePairedDiff (paired, method 10)", () => {
  it("matches Fagerland et al. (Cavo 2012 data): -0.0621 (-0.1186 to -0.0046)", () => {
    const ci = newcombePairedDiff({ a: 59, b: 6, c: 16, d: 80 });
    expectRel(ci.estimate, -0.0621118);
    expectRel(ci.low, -0.118621);
    expectRel(ci.high, -0.00462511);
    expectRel(ci.phi, 0.716174);
  });

  it("uses φ = 0 when ad − bc ≤ n/2 or a margin is empty", () => {
    // Bentur 2009: ad − bc = 5 ≤ n/2 = 10.5, so φ = 0.
    const bentur = newcombePairedDiff({ a: 1, b: 1, c: 7, d: 12 });
    expect(bentur.phi).toBe(0);
    expectRel(bentur.low, -0.50692);
    expectRel(bentur.high, -0.0255591);
    const allFail = newcombePairedDiff({ a: 0, b: 0, c: 0, d: 10 });
    expect(allFail.phi).toBe(0);
    expectRel(allFail.low, -0.277533);
    expectRel(allFail.high, 0.277533);
  });

  it("narrows with positive correlation", () => {
    const ci = newcombePairedDiff({ a: 12, b: 9, c: 2, d: 21 });
    expectRel(ci.low, 0.0112425);
    expectRel(ci.high, 0.295372);
    const tied = newcombePairedDiff({ a: 5, b: 0, c: 0, d: 5 });
    expectRel(tied.high, 0.166593);
    expectRel(tied.low, -0.166593);
  });
});

describe("fisherExact", () => {
  it("45/50 vs 35/50 two-sided p = 0.0228350", () => {
    expectRel(fisherExact(45, 50, 35, 50), 0.022835);
    expectRel(fisherExact(45, 50, 35, 50, "greater"), 0.0114175);
    expectRel(fisherExact(45, 50, 35, 50, "less"), 0.99748);
  });

  it("matches Fagerland et al. (Ritland 2007): P = 0.06287", () => {
    expectRel(fisherExact(0, 16, 15, 72), 0.0628667);
  });

  it("matches scipy on more tables", () => {
    expectRel(fisherExact(3, 4, 1, 4), 0.485714); // symmetric: exact ties need the tolerance
    expectRel(fisherExact(10, 12, 3, 18), 0.000536724);
    expectRel(fisherExact(1, 10, 11, 14), 0.00275946);
    expectRel(fisherExact(500, 520, 480, 540), 7.01236e-6);
    expect(fisherExact(0, 5, 0, 5)).toBe(1);
  });

  it("rejects impossible tables", () => {
    expect(() => fisherExact(6, 5, 0, 5)).toThrow(RangeError);
    expect(() => fisherExact(1.5, 5, 0, 5)).toThrow(RangeError);
  });
});

describe("mcnemar", () => {
  it("b = 10, c = 2: mid-p = 0.0224609, exact = 0.0385742", () => {
    const r = mcnemar(10, 2);
    expectRel(r.pMid, 0.0224609); // 92/4096
    expectRel(r.pExact, 0.0385742); // 158/4096
    expect(mcnemar(2, 10)).toEqual(r);
  });

  it("is 1 with no discordance or a balanced split", () => {
    expect(mcnemar(0, 0)).toEqual({ discordant: 0, pExact: 1, pMid: 1 });
    expectRel(mcnemar(5, 5).pExact, 1, 1e-12);
    expectRel(mcnemar(5, 5).pMid, 1, 1e-12);
  });

  it("matches scipy binomial tails", () => {
    expectRel(mcnemar(0, 7).pExact, 0.015625);
    expectRel(mcnemar(0, 7).pMid, 0.0078125);
    expectRel(mcnemar(30, 15).pExact, 0.0356978);
    expectRel(mcnemar(30, 15).pMid, 0.0258961);
    expectRel(mcnemar(200, 150).pExact, 0.00872004);
    expectRel(mcnemar(200, 150).pMid, 0.00752414);
    expectRel(mcnemar(1, 0).pMid, 0.5);
  });
});
