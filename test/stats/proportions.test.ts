import { describe, expect, it } from "vitest";
import { fisherExact, mcnemar, newcombeDiff, newcombePairedDiff, newcombePairedNonInferiorityP } from "../../src/stats/proportions.ts";
import { expectRel, rejects } from "./helpers.ts";

// Cavo 2012 data from Fagerland et al.: the paired table used throughout below.
const cavo = { a: 59, b: 6, c: 16, d: 80 };

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

  it("gives an uninformative interval when the second sample is empty", () => {
    const ci = newcombeDiff(3, 10, 0, 0, 0.9);
    expect(ci).toEqual({ estimate: Number.NaN, low: -1, high: 1, level: 0.9 });
  });

  it("accepts all successes in the second sample: the mirror of 10/10 − 0/20", () => {
    // Swapping the samples negates the interval: published 0.6791 to 1 for 10/10 − 0/20.
    const ci = newcombeDiff(0, 20, 10, 10);
    expect(ci.estimate).toBe(-1);
    expect(ci.low).toBe(-1);
    expectRel(ci.high, -0.679086);
  });
});

describe("newcombePairedDiff (paired, method 10)", () => {
  it("matches Fagerland et al. (Cavo 2012 data): -0.0621 (-0.1186 to -0.0046)", () => {
    const ci = newcombePairedDiff(cavo);
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

  // Interval references recomputed in Python from Newcombe's formula (as for the tables above).
  it("corrects by φ = (B − n/2)/√A when B = ad − bc is above n/2", () => {
    // B = 15 − 1 = 14 > n/2 = 5 (but below 2n), √A = √(6·4·6·4) = 24: φ = 9/24.
    const ci = newcombePairedDiff({ a: 5, b: 1, c: 1, d: 3 });
    expectRel(ci.phi, 0.375, 1e-12);
    expect(ci.estimate).toBe(0);
    expectRel(ci.low, -0.293838);
    expectRel(ci.high, 0.293838);
  });

  it("widens with negative correlation: φ = B/√A when B < 0", () => {
    // B = 1 − 25 = −24, √A = √(6·6·6·6) = 36: φ = −2/3.
    const ci = newcombePairedDiff({ a: 1, b: 5, c: 5, d: 1 });
    expectRel(ci.phi, -2 / 3, 1e-12);
    expectRel(ci.low, -0.449531);
    expectRel(ci.high, 0.449531);
  });

  it("gives an uninformative interval for an empty table", () => {
    const ci = newcombePairedDiff({ a: 0, b: 0, c: 0, d: 0 }, 0.9);
    expect(ci).toEqual({ estimate: Number.NaN, low: -1, high: 1, level: 0.9, phi: 0 });
  });

  it("names the bad count", () => {
    rejects(() => newcombePairedDiff({ a: 1, b: 2, c: 0.5, d: 3 }), /^newcombePairedDiff: c must be a non-negative integer, got 0.5$/);
    rejects(() => newcombePairedDiff({ a: 1, b: 2, c: 0, d: -3 }), /^newcombePairedDiff: d must be a non-negative integer, got -3$/);
  });
});

describe("newcombePairedNonInferiorityP (Newcombe's paired interval inverted)", () => {
  // References: in Python, Newcombe's paired interval from the formula (it reproduces the
  // published Cavo interval above) and scipy.optimize.brentq for the level L at which the bound
  // meets −margin; p = (1 − L)/2 from the lower bound, 1 − (1 − L)/2 from the upper one.
  const cases: [string, { a: number; b: number; c: number; d: number }, number, number][] = [
    ["Cavo, margin 0.1 (estimate above −margin)", cavo, 0.1, 0.0963101],
    ["Cavo, margin 0.05", cavo, 0.05, 0.659701],
    ["Cavo, margin 0 (estimate below −margin: the upper bound decides)", cavo, 0, 0.982992],
    ["positive correlation, margin 0", { a: 12, b: 9, c: 2, d: 21 }, 0, 0.0172391],
    ["small table, margin 0.3", { a: 10, b: 2, c: 3, d: 5 }, 0.3, 0.0106569],
    ["small table, margin 0.1", { a: 10, b: 2, c: 3, d: 5 }, 0.1, 0.339797],
    ["small table, margin 0", { a: 10, b: 2, c: 3, d: 5 }, 0, 0.658971],
    ["negative correlation, margin 0.2", { a: 1, b: 5, c: 5, d: 1 }, 0.2, 0.21833],
  ];
  it.each(cases)("%s", (_, t, margin, p) => {
    expectRel(newcombePairedNonInferiorityP(t, margin), p, 1e-5);
  });

  it("tells the same story as the interval: the (1 − 2p) bound sits on −margin", () => {
    const below = newcombePairedNonInferiorityP(cavo, 0.1);
    expectRel(newcombePairedDiff(cavo, 1 - 2 * below).low, -0.1, 1e-9);
    const above = newcombePairedNonInferiorityP(cavo, 0);
    expect(Math.abs(newcombePairedDiff(cavo, 1 - 2 * (1 - above)).high)).toBeLessThan(1e-9);
  });

  it("is ½ when the estimate is exactly −margin", () => {
    expect(newcombePairedNonInferiorityP({ a: 10, b: 2, c: 3, d: 5 }, 0.05)).toBe(0.5); // (2 − 3)/20 = −0.05
    expect(newcombePairedNonInferiorityP({ a: 4, b: 3, c: 3, d: 4 }, 0)).toBe(0.5);
  });

  it("stops at the widest level searched: p ≈ (1 − (1 − 1e−12))/2 = 5e−13, or 1 minus that", () => {
    // The first passes all 100 cases the second fails: even the (1 − 1e−12) lower bound is 0.52.
    expectRel(newcombePairedNonInferiorityP({ a: 0, b: 100, c: 0, d: 0 }, 0), 5e-13, 1e-3);
    // And the other way round, with margin ½: the widest upper bound is −0.52.
    expectRel(1 - newcombePairedNonInferiorityP({ a: 0, b: 0, c: 100, d: 0 }, 0.5), 5e-13, 1e-3);
  });

  it("is NaN for an empty table, and names a bad margin", () => {
    expect(newcombePairedNonInferiorityP({ a: 0, b: 0, c: 0, d: 0 }, 0.1)).toBeNaN();
    rejects(() => newcombePairedNonInferiorityP(cavo, Number.NaN), /^newcombePairedNonInferiorityP: margin must be in \[0, 1\), got NaN$/);
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

  it("accepts all successes in either sample: 5/5 vs 0/5", () => {
    // One table of C(10, 5) = 252 with these margins is this extreme each way: p = 2/252.
    expectRel(fisherExact(5, 5, 0, 5), 2 / 252, 1e-12);
    expectRel(fisherExact(5, 5, 0, 5, "greater"), 1 / 252, 1e-12);
    expectRel(fisherExact(0, 5, 5, 5), 2 / 252, 1e-12);
    expectRel(fisherExact(0, 5, 5, 5, "less"), 1 / 252, 1e-12);
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
