import { describe, expect, it } from "vitest";
import { fitLogistic, logistic } from "../../src/stats/logistic.ts";
import { expectRel } from "./helpers.ts";

const logit = (p: number) => Math.log(p / (1 - p));

describe("fitLogistic (Firth, fractional response, clustered errors)", () => {
  it("matches an independent numpy implementation: coefficients and the CR1 sandwich error of b0", () => {
    const x = [-120, -40, 0, 10, 30, 55, 80, 150, 200, -10, 60, 90];
    const y = [0, 0.5, 0.5, 1, 0, 1, 1, 1, 1, 0, 0.5, 1];
    const cl = ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "f", "f"];
    const f = fitLogistic(x.map((xi, i) => ({ x: xi, y: y[i]!, cluster: cl[i]! })));
    expect(f.converged).toBe(true);
    expect(f.interceptOnly).toBe(false);
    expectRel(f.b0, -0.07275607330474988, 1e-7);
    expectRel(f.b1, 0.01672103317528473, 1e-7);
    expectRel(f.seB0, 0.4517920409095398, 1e-7);
  });

  it("intercept only (every x the same): Firth's estimate is logit((k + ½)/(n + 1))", () => {
    const pts = [1, 1, 1, 0].map((y, i) => ({ y, x: 0, cluster: String(i) }));
    const f = fitLogistic(pts);
    expect(f.interceptOnly).toBe(true);
    expect(f.b1).toBe(0);
    expectRel(f.b0, logit(3.5 / 5), 1e-9);
    // Sandwich with one point per cluster: sqrt(G/(G−1)·Σr²)/Σw.
    const mu = 0.7;
    const r2 = 3 * (1 - mu) ** 2 + mu ** 2;
    expectRel(f.seB0, Math.sqrt(((4 / 3) * r2) / (4 * mu * (1 - mu)) ** 2), 1e-7);
  });

  it("two groups (saturated): each group's rate is (k + ½)/(n + 1), so b0 is their logits' midpoint at x = ±1", () => {
    // Perfect separation: a plain maximum likelihood fit would diverge.
    const pts = [
      ...Array.from({ length: 7 }, (_, i) => ({ y: 1, x: 1, cluster: `p${i}` })),
      ...Array.from({ length: 3 }, (_, i) => ({ y: 0, x: -1, cluster: `n${i}` })),
    ];
    const f = fitLogistic(pts);
    expect(f.converged).toBe(true);
    const hi = logit(7.5 / 8);
    const lo = logit(0.5 / 4);
    expectRel(f.b0, (hi + lo) / 2, 1e-8);
    expectRel(f.b1, (hi - lo) / 2, 1e-8);
  });

  it("symmetric data read at zero gives exactly one half; ties at zero difference stay ½", () => {
    const pts = [
      { y: 1, x: 50, cluster: "a" },
      { y: 0, x: -50, cluster: "b" },
      { y: 0.5, x: 0, cluster: "c" },
      { y: 1, x: 120, cluster: "d" },
      { y: 0, x: -120, cluster: "e" },
    ];
    const f = fitLogistic(pts);
    expect(Math.abs(f.b0)).toBeLessThan(1e-9);
    expect(f.b1).toBeGreaterThan(0);
    expect(logistic(f.b0)).toBeCloseTo(0.5, 9);
  });

  it("rejects responses outside [0, 1] and non-finite covariates; no points gives NaN", () => {
    expect(() => fitLogistic([{ y: 2, x: 0, cluster: "a" }])).toThrow(/y must be in \[0, 1\]/);
    expect(() => fitLogistic([{ y: 1, x: Number.NaN, cluster: "a" }])).toThrow(/x must be finite/);
    expect(fitLogistic([]).b0).toBeNaN();
  });

  it("one cluster: no clustered error", () => {
    const f = fitLogistic([
      { y: 1, x: 1, cluster: "a" },
      { y: 0, x: -1, cluster: "a" },
    ]);
    expect(f.seB0).toBeNaN();
  });

  it("logistic() is the stable sigmoid at both tails", () => {
    expect(logistic(0)).toBe(0.5);
    expect(logistic(800)).toBe(1);
    expect(logistic(-800)).toBe(0);
    expectRel(logistic(2), 1 / (1 + Math.exp(-2)), 1e-12);
    expectRel(logistic(-2), 1 / (1 + Math.exp(2)), 1e-12);
  });
});

describe("fitLogistic edge cases", () => {
  it("no points: NaN, not converged, no iterations", () => {
    expect(fitLogistic([])).toEqual({
      b0: Number.NaN,
      b1: Number.NaN,
      seB0: Number.NaN,
      converged: false,
      iterations: 0,
      interceptOnly: true,
    });
  });

  it("every x the same but not 0: nothing to read at 0 (NaN), rather than a made-up ½", () => {
    const f = fitLogistic([1, 0, 1, 1].map((y, i) => ({ y, x: 40, cluster: String(i) })));
    expect(f.b0).toBeNaN();
    expect(f.b1).toBeNaN();
    expect(f.converged).toBe(false);
    expect(f.interceptOnly).toBe(false);
  });

  it("negative responses are refused too", () => {
    expect(() => fitLogistic([{ y: -0.5, x: 0, cluster: "a" }])).toThrow(/got -0\.5/);
    expect(() => fitLogistic([{ y: 1.5, x: 0, cluster: "a" }])).toThrow(/got 1\.5/);
  });

  it("two clusters are enough for a clustered error", () => {
    const f = fitLogistic([
      { y: 1, x: 1, cluster: "a" },
      { y: 0, x: -1, cluster: "b" },
      { y: 1, x: 2, cluster: "a" },
      { y: 0.5, x: 0, cluster: "b" },
    ]);
    expect(Number.isFinite(f.seB0)).toBe(true);
  });
});
