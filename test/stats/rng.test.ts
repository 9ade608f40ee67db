import { describe, expect, it } from "vitest";
import { createRng, mulberry32 } from "../../src/stats/rng.ts";
import { expectRel } from "./helpers.ts";

describe("mulberry32", () => {
  // Reference: an independent Python port of the published C/JS source.
  it("reproduces the reference stream", () => {
    const r = mulberry32(1);
    [0.627073941, 0.00273572118, 0.52744704, 0.981050968, 0.968377898].forEach((v) => expectRel(r(), v, 1e-8));
    const r42 = mulberry32(42);
    [0.601103752, 0.448290559, 0.852465794].forEach((v) => expectRel(r42(), v, 1e-8));
  });

  it("is deterministic per seed and in [0, 1)", () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});

describe("createRng", () => {
  it("normal has mean 0 and variance 1", () => {
    const rng = createRng(123);
    const n = 200_000;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      ss += z * z;
    }
    const m = s / n;
    expect(Math.abs(m)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(ss / n - m * m - 1)).toBeLessThan(0.015); // SE of the variance ≈ √(2/n) ≈ 0.003
    expect(createRng(5).normal(10, 0)).toBe(10);
  });

  it("binomial has mean np and variance np(1 − p)", () => {
    const rng = createRng(9);
    const reps = 50_000;
    let s = 0;
    let ss = 0;
    for (let i = 0; i < reps; i++) {
      const k = rng.binomial(10, 0.3);
      s += k;
      ss += k * k;
    }
    const m = s / reps;
    expect(Math.abs(m - 3)).toBeLessThan(0.03);
    expect(Math.abs(ss / reps - m * m - 2.1)).toBeLessThan(0.06);
    expect(rng.binomial(5, 0)).toBe(0);
    expect(rng.binomial(5, 1)).toBe(5);
    expect(() => rng.binomial(2.5, 0.5)).toThrow(RangeError);
  });

  it("int and bernoulli stay in range", () => {
    const rng = createRng(1);
    for (let i = 0; i < 1000; i++) {
      const k = rng.int(6);
      expect(Number.isInteger(k) && k >= 0 && k < 6).toBe(true);
    }
    expect(rng.bernoulli(0)).toBe(false);
    expect(rng.bernoulli(1)).toBe(true);
  });
});
