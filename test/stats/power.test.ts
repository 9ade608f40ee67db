import { describe, expect, it } from "vitest";
import { clusteredMeanVariance, minimumDetectableDrop, repeatsNeeded } from "../../src/stats/power.ts";
import { createRng } from "../../src/stats/rng.ts";
import { expectRel } from "./helpers.ts";

// References: the documented formulas evaluated in Python with scipy.stats.t.ppf on K − 1
// degrees of freedom (t_99: 0.975 + 0.8 quantiles = 2.82948), plus a simulation of the paired
// design below.
describe("minimumDetectableDrop", () => {
  it("paired, default α = 0.05 and power 0.8", () => {
    expectRel(minimumDetectableDrop({ k: 100, n: 5, meanRate: 0.8, betweenCaseVar: 0.1 }), 0.0438342);
    expectRel(minimumDetectableDrop({ k: 50, n: 1, meanRate: 0.9 }), 0.171516);
  });

  it("unpaired keeps the between-case variance", () => {
    expectRel(minimumDetectableDrop({ k: 50, n: 10, meanRate: 0.9, betweenCaseVar: 0.05, paired: false }), 0.132855);
  });

  it("with ω², α = 0.01 and power 0.9", () => {
    const d = { k: 200, n: 3, meanRate: 0.7, betweenCaseVar: 0.1, diffVar: 0.01, alpha: 0.01, power: 0.9 };
    expectRel(minimumDetectableDrop(d), 0.0793345);
  });

  it("is wider for few cases, as t(K − 1) is", () => {
    expectRel(minimumDetectableDrop({ k: 10, n: 5, meanRate: 0.8, betweenCaseVar: 0.05 }), 0.208653);
  });

  it("validates its inputs", () => {
    expect(() => minimumDetectableDrop({ k: 10, n: 1, meanRate: 0.8, betweenCaseVar: 0.2 })).toThrow(/betweenCaseVar/);
    expect(() => minimumDetectableDrop({ k: 0, n: 1, meanRate: 0.8 })).toThrow(/k/);
    expect(() => minimumDetectableDrop({ k: 10, n: 0, meanRate: 0.8 })).toThrow(/n/);
  });
});

describe("repeatsNeeded", () => {
  it("returns the smallest sufficient N", () => {
    expect(repeatsNeeded({ k: 100, targetDrop: 0.05, meanRate: 0.8, betweenCaseVar: 0.1 })).toBe(4);
    expect(repeatsNeeded({ k: 50, targetDrop: 0.05, meanRate: 0.9 })).toBe(12);
    expect(repeatsNeeded({ k: 40, targetDrop: 0.1, meanRate: 0.8, betweenCaseVar: 0.02, diffVar: 0.005 })).toBe(7);
    expect(repeatsNeeded({ k: 100, targetDrop: 0.1, meanRate: 0.8, betweenCaseVar: 0.1 })).toBe(1);
  });

  it("is consistent with minimumDetectableDrop", () => {
    const base = { k: 40, meanRate: 0.8, betweenCaseVar: 0.02, diffVar: 0.005 };
    const n = repeatsNeeded({ ...base, targetDrop: 0.1 });
    expect(minimumDetectableDrop({ ...base, n })).toBeLessThanOrEqual(0.1);
    expect(minimumDetectableDrop({ ...base, n: n - 1 })).toBeGreaterThan(0.1);
  });

  it("is Infinity when variance that repeats cannot reduce exceeds the budget", () => {
    expect(repeatsNeeded({ k: 50, targetDrop: 0.05, meanRate: 0.9, betweenCaseVar: 0.05, paired: false })).toBe(Infinity);
    expect(repeatsNeeded({ k: 20, targetDrop: 0.05, meanRate: 0.8, betweenCaseVar: 0.1, diffVar: 0.01 })).toBe(Infinity);
  });

  it("needs one repeat when there is no within-case noise", () => {
    expect(repeatsNeeded({ k: 30, targetDrop: 0.05, meanRate: 1 })).toBe(1);
  });
});

describe("variance formula, checked by simulation", () => {
  it("clusteredMeanVariance", () => {
    expectRel(clusteredMeanVariance({ k: 100, n: 5, meanRate: 0.8, betweenCaseVar: 0.1 }), 0.00112);
  });

  it("paired Var(d̄) = 2σ²_within/(N·K) for an unchanged agent, whatever the between-case spread", () => {
    // Half the cases pass at 0.6, half at 1.0: p̄ = 0.8, Var(p_i) = 0.04, σ²_within = 0.12.
    const k = 40;
    const n = 4;
    const rates = Array.from({ length: k }, (_, i) => (i % 2 === 0 ? 0.6 : 1.0));
    const rng = createRng(2024);
    const sims = 4000;
    let s = 0;
    let ss = 0;
    for (let r = 0; r < sims; r++) {
      let d = 0;
      for (const p of rates) d += (rng.binomial(n, p) - rng.binomial(n, p)) / n;
      d /= k;
      s += d;
      ss += d * d;
    }
    const empirical = ss / sims - (s / sims) ** 2;
    const predicted = (2 * 0.12) / (n * k); // 0.0015
    expectRel(empirical, predicted, 0.08); // SE of a variance from 4000 draws ≈ 2.2%
    const mde = minimumDetectableDrop({ k, n, meanRate: 0.8, betweenCaseVar: 0.04 });
    expectRel(mde, 2.873626 * Math.sqrt(predicted)); // t_39: 0.975 + 0.8 quantiles
  });
});
