import { describe, expect, it } from "vitest";
import { weightedSumTail } from "../../src/stats/weighted-sum.ts";
import { betaBinomialPmf, upperTail } from "../../src/detect/predictive.ts";
import { binomialTable } from "../../src/stats/discrete.ts";
import { createRng } from "../../src/stats/rng.ts";

describe("beta-binomial predictive", () => {
  it("is uniform for Beta(1, 1) and sums to one", () => {
    const pmf = betaBinomialPmf(9, 1, 1);
    for (const p of pmf) expect(p).toBeCloseTo(0.1, 12);
  });

  it("matches the closed form C(n,x)·B(x+a, n−x+b)/B(a,b) (n = 4, a = 0.5, b = 10.5)", () => {
    // Exact values by the product form: P(0) = Π (b+j)/(a+b+j), j < n
    const p0 = (10.5 / 11) * (11.5 / 12) * (12.5 / 13) * (13.5 / 14);
    const pmf = betaBinomialPmf(4, 0.5, 10.5);
    expect(pmf[0]).toBeCloseTo(p0, 12);
    expect(pmf[1]! / pmf[0]!).toBeCloseTo((4 * 0.5) / (1 * 13.5), 12);
    expect(pmf.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 12);
  });

  it("is certain of no events in no trials, and leans towards the baseline's rate", () => {
    expect([...betaBinomialPmf(0, 0.5, 0.5)]).toEqual([1]);
    const rare = betaBinomialPmf(10, 0.5, 100.5);
    expect(rare[0]).toBeGreaterThan(0.9);
    expect(Math.max(...rare)).toBe(rare[0]);
    const common = betaBinomialPmf(10, 100.5, 0.5);
    expect(Math.max(...common)).toBe(common[10]);
  });

  it("stays finite and sums to one however lopsided, far from either end", () => {
    for (const [a, b] of [
      [0.5, 2000.5],
      [2000.5, 0.5],
    ]) {
      const pmf = betaBinomialPmf(5000, a!, b!);
      expect(pmf.every(Number.isFinite), `a=${a}`).toBe(true);
      expect(pmf.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 9);
    }
  });

  it.each([
    [-1, 1, 1],
    [1.5, 1, 1],
    [3, 0, 1],
    [3, 1, 0],
    [3, Number.NaN, 1],
    [3, 1, Number.NaN],
  ])("rejects n = %d, a = %d, b = %d", (n, a, b) => {
    expect(() => betaBinomialPmf(n, a, b)).toThrow(RangeError);
  });
});

describe("weighted sum tail", () => {
  it("is exact for one term", () => {
    const pmf = Float64Array.from(binomialTable(5, 0.2).probs);
    expect(weightedSumTail([{ weight: 1, pmf, observed: 4 }]).p).toBeCloseTo(upperTail(pmf, 4), 12);
    expect(weightedSumTail([{ weight: 1, pmf, observed: 4 }]).p).toBeCloseTo(0.00672, 12);
  });

  it("matches brute-force enumeration for three terms with uneven weights (on its rounding grid)", () => {
    const pmfs = [0.1, 0.3, 0.02].map((p) => Float64Array.from(binomialTable(3, p).probs));
    const raw = [1, 0.5, 2.5];
    // The statistic tested uses weights rounded to 1/2000 of the largest possible sum.
    const unit = (3 * raw.reduce((s, w) => s + w, 0)) / 2000;
    const weights = raw.map((w) => Math.max(1, Math.round(w / unit)));
    const observed = [1, 2, 1];
    const t0 = observed.reduce((s, x, i) => s + x * weights[i]!, 0);
    let tail = 0;
    for (let a = 0; a <= 3; a++)
      for (let b = 0; b <= 3; b++)
        for (let c = 0; c <= 3; c++) {
          const t = a * weights[0]! + b * weights[1]! + c * weights[2]!;
          if (t >= t0) tail += pmfs[0]![a]! * pmfs[1]![b]! * pmfs[2]![c]!;
        }
    const r = weightedSumTail(pmfs.map((pmf, i) => ({ weight: raw[i]!, pmf, observed: observed[i]! })));
    expect(r.method).toBe("exact");
    expect(r.p).toBeCloseTo(tail, 10);
    expect(r.observed).toBeCloseTo(4.5, 2);
  });

  it("is a valid p-value: under the null, P(p ≤ α) ≤ α", () => {
    const rates = Array.from({ length: 10 }, (_, i) => 0.6 + 0.39 * (i / 9));
    const pmfs = rates.map((p) => Float64Array.from(binomialTable(5, 1 - p).probs));
    const weights = rates.map((p) => Math.log((1.1 - p) / (1 - p)) - Math.log((p - 0.1) / p));
    const rng = createRng(5);
    const ps: number[] = [];
    for (let r = 0; r < 3000; r++) {
      const failures = rates.map((p) => 5 - rng.binomial(5, p));
      ps.push(weightedSumTail(pmfs.map((pmf, i) => ({ weight: weights[i]!, pmf, observed: failures[i]! }))).p);
    }
    for (const alpha of [0.1, 0.02]) {
      const rate = ps.filter((p) => p <= alpha).length / ps.length;
      // Within sampling error of α (binomial SE), never clearly above it.
      expect(rate).toBeLessThan(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / ps.length));
    }
  });

  it("gives p = 1 when nothing can be tested", () => {
    expect(weightedSumTail([]).p).toBe(1);
  });
});
