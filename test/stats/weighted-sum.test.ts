import { describe, expect, it } from "vitest";
import { binomialTable } from "../../src/stats/discrete.ts";
import { upperTail, weightedSumTail, type Pmf, type WeightedCount } from "../../src/stats/weighted-sum.ts";
import { expectRel } from "./helpers.ts";

// Tables with dyadic probabilities, so every sum below is exact in floating point.
const geometric = Float64Array.of(0.5, 0.25, 0.125, 0.0625, 0.0625); // mean 0.9375
const coin = Float64Array.of(0.5, 0.5);

/** A table of `length` values with all its mass at `value`. */
const sureAt = (value: number, length: number) => {
  const pmf = new Float64Array(length);
  pmf[value] = 1;
  return pmf;
};

/** The tail of T = X + w·Y, X ~ `x` and Y ~ `y`, at the observed x and y. */
const xPlusWy = (x: Pmf, w: number, y: Pmf) => (ox: number, oy: number) =>
  weightedSumTail([
    { weight: 1, pmf: x, observed: ox },
    { weight: w, pmf: y, observed: oy },
  ]);

describe("upperTail", () => {
  it("adds the table from ⌈x⌉ up", () => {
    expect(upperTail(geometric, 1)).toBe(0.5);
    expect(upperTail(geometric, 2)).toBe(0.25);
    expect(upperTail(geometric, 4)).toBe(0.0625);
    expect(upperTail(geometric, 1.5)).toBe(0.25); // P(X ≥ 1.5) = P(X ≥ 2)
    expect(upperTail(geometric, 0.2)).toBe(0.5);
  });

  it("is 0 past the end of the table", () => {
    expect(upperTail(geometric, 5)).toBe(0);
    expect(upperTail(geometric, 99)).toBe(0);
  });

  it("is exactly 1 at and below 0, whatever the table's rounding", () => {
    const rounded = Float64Array.of(0.7, 0.2, 0.1); // adds up to 0.9999999999999999 in floating point
    expect(upperTail(rounded, 0)).toBe(1);
    expect(upperTail(rounded, -2)).toBe(1);
    expect(upperTail(geometric, -0.5)).toBe(1);
  });

  it("never exceeds 1", () => {
    const rounded = Float64Array.of(0, 0.2, 0.4, 0.3, 0.1); // 0.2 + 0.4 + 0.3 + 0.1 = 1.0000000000000002
    expect(upperTail(rounded, 1)).toBe(1);
  });
});

describe("weightedSumTail", () => {
  it("gives p = 1 and nothing observed when no term can vary", () => {
    const none = { p: 1, observed: 0, expected: 0, method: "exact" };
    expect(weightedSumTail([])).toEqual(none);
    // A zero weight and a one-value table carry no information, whatever was observed.
    const dead = [
      { weight: 0, pmf: coin, observed: 1 },
      { weight: 2, pmf: Float64Array.of(1), observed: 0 },
    ];
    expect(weightedSumTail(dead)).toEqual(none);
  });

  it("is the table's own tail for one term, scaled by its weight", () => {
    // One term, 4 steps: the grid unit is 3·4/2000, the weight exactly 500 units.
    const r = weightedSumTail([{ weight: 3, pmf: geometric, observed: 2 }]);
    expect(r.method).toBe("exact");
    expect(r.p).toBe(0.25);
    expectRel(r.observed, 6, 1e-12);
    expectRel(r.expected, 3 * 0.9375, 1e-12);
  });

  it("convolves terms with their weights", () => {
    // T = X + 3Y, X ∈ {0, 1, 2} w.p. ½, ¼, ¼ and Y ∈ {0, 1} w.p. ¾, ¼ (weights 400 and 1200 grid units):
    // P(T = 0..5) = 3/8, 3/16, 3/16, 1/8, 1/16, 1/16, so P(T ≥ 0..5) = 1, 5/8, 7/16, 1/4, 1/8, 1/16.
    const x = Float64Array.of(0.5, 0.25, 0.25);
    const y = Float64Array.of(0.75, 0.25);
    const tail = xPlusWy(x, 3, y);
    const expected: [number, number, number][] = [
      [0, 0, 1],
      [1, 0, 5 / 8],
      [2, 0, 7 / 16],
      [0, 1, 1 / 4],
      [1, 1, 1 / 8],
      [2, 1, 1 / 16],
    ];
    for (const [ox, oy, p] of expected) expect(tail(ox, oy).p).toBe(p);
    const r = tail(2, 1);
    expect(r.method).toBe("exact");
    expectRel(r.observed, 5, 1e-12);
    expectRel(r.expected, 0.75 + 3 * 0.25, 1e-12);
    // The order of the terms does not matter.
    expect(
      weightedSumTail([
        { weight: 3, pmf: y, observed: 1 },
        { weight: 1, pmf: x, observed: 0 },
      ]).p,
    ).toBe(1 / 4);
  });

  it("skips values a table gives no probability", () => {
    // X ∈ {0, 2} w.p. ½ each, Y a fair coin: T = X + Y is uniform on {0, 1, 2, 3}.
    const tail = xPlusWy(Float64Array.of(0.5, 0, 0.5), 1, coin);
    expect([tail(0, 0).p, tail(0, 1).p, tail(2, 0).p, tail(2, 1).p]).toEqual([1, 3 / 4, 1 / 2, 1 / 4]);
  });

  it("rounds a tiny weight up to one grid step, never to zero", () => {
    // Grid unit (1 + 10⁻⁴)/2000: the tiny weight is 0.2 units, tested as 1, so a success on it counts.
    const r = xPlusWy(coin, 1e-4, coin)(0, 1);
    expect(r.p).toBe(3 / 4);
    expectRel(r.observed, (1 + 1e-4) / 2000, 1e-12);
  });

  it("ignores terms with no weight or a single value alongside live ones", () => {
    const live = { weight: 1, pmf: coin, observed: 1 };
    const alone = weightedSumTail([live]);
    const withDead = weightedSumTail([{ weight: 0, pmf: coin, observed: 1 }, live, { weight: 5, pmf: Float64Array.of(1), observed: 0 }]);
    expect(alone.p).toBe(1 / 2);
    expect(withDead).toEqual(alone);
  });

  describe("normal approximation, past 60 million convolution steps", () => {
    // 22 terms X ~ Binomial(500, ½) (mean 250, variance 125): about 63 million steps. The weights are
    // below one grid step here (the step is 1/2000 of the largest sum, 11,000 or more).
    const binomial = binomialTable(500, 0.5).probs;
    const terms = (term: (i: number) => [weight: number, observed: number]): WeightedCount[] =>
      Array.from({ length: 22 }, (_, i) => {
        const [weight, observed] = term(i);
        return { weight, pmf: binomial, observed };
      });

    it("is ½ at the expectation", () => {
      const r = weightedSumTail(terms(() => [1, 250]));
      expect(r.method).toBe("normal");
      expectRel(r.p, 0.5, 1e-9);
      expectRel(r.observed, 5500, 1e-12);
      expectRel(r.expected, 5500, 1e-12);
    });

    it("standardises the weighted sum by its own mean and variance", () => {
      // Weights 1 and 2 alternating: E T = 250·(11 + 22) = 8250, Var T = 125·(11·1 + 11·4) = 6875.
      // Observed 250 on weight 1 and 255 on weight 2: T = 8360, z = 110/√6875 = 1.32665;
      // P = 0.0923123 (scipy.stats.norm.sf).
      const r = weightedSumTail(terms((i) => (i % 2 === 0 ? [1, 250] : [2, 255])));
      expect(r.method).toBe("normal");
      expectRel(r.observed, 8360, 1e-12);
      expectRel(r.expected, 8250, 1e-12);
      expectRel(r.p, 0.09231225781169983, 1e-9);
    });

    it("compares observed and expected directly when nothing varies", () => {
      // X = 100 surely, on a table of 8,001 values (64 million steps).
      const p = (observed: number) => weightedSumTail([{ weight: 1, pmf: sureAt(100, 8001), observed }]);
      expect(p(100)).toEqual({ p: 1, observed: 100, expected: 100, method: "normal" });
      expect(p(101).p).toBe(0);
      expect(p(99).p).toBe(1);
    });
  });

  it("convolves up to 60 million steps and approximates past them", () => {
    // Tables of 4,260 and 4,680 values and a coin, one grid step each: 4,260² + 4,680·8,939 + 2·8,940
    // = 60,000,000 steps. X = Y = 10 surely, so T = 20 + C and P(T ≥ 21) = ½ exactly; the normal
    // approximation gives P(Z ≥ (21 − 20.5)/½) = 0.158655 (scipy.stats.norm.sf(1)).
    const tail = (length: number) =>
      weightedSumTail([
        { weight: 1, pmf: sureAt(10, 4260), observed: 10 },
        { weight: 1, pmf: sureAt(10, length), observed: 10 },
        { weight: 1, pmf: coin, observed: 1 },
      ]);
    expect(tail(4680)).toMatchObject({ p: 0.5, method: "exact" });
    const past = tail(4681);
    expect(past.method).toBe("normal");
    expectRel(past.p, 0.15865525393145707, 1e-9);
  });
});
