import { describe, expect, it } from "vitest";
import { accuracyInterval, tInterval, wilson } from "../../src/stats/intervals.ts";
import { expectRel } from "./helpers.ts";

// References: scipy.stats.binomtest(k, n).proportion_ci(level, method="wilson") and
// scipy.stats.t.interval(level, n − 1, loc=mean, scale=sem), to 16 digits.
const z95 = 1.959963984540054; // scipy.stats.norm.ppf(0.975)

describe("wilson", () => {
  // Newcombe (1998) Stat Med 17:857, Table I, method 3 (to 4 dp): 0.2553–0.3662, 0.0624–0.1605,
  // 0–0.1611, 0.0061–0.1718; the digits below are scipy's.
  const published: [number, number, number, number][] = [
    [81, 263, 0.2552885198782742, 0.36620957698280004],
    [15, 148, 0.06238639953073629, 0.16048724172330803],
    [1, 29, 0.006113214292762667, 0.17175521879320282],
  ];
  it.each(published)("%i/%i matches Newcombe's Table I", (k, n, low, high) => {
    const ci = wilson(k, n);
    expect(ci.estimate).toBe(k / n);
    expectRel(ci.low, low, 1e-9);
    expectRel(ci.high, high, 1e-9);
    expect(ci.level).toBe(0.95);
  });

  it("reaches 0 and 1 at the edges: z²/(n + z²) above 0/n, n/(n + z²) below n/n", () => {
    const none = wilson(0, 20);
    expect(none.estimate).toBe(0);
    expect(none.low).toBeCloseTo(0, 15);
    expectRel(none.high, (z95 * z95) / (20 + z95 * z95), 1e-9); // 0.161125 (Newcombe: 0.1611)
    const all = wilson(20, 20);
    expectRel(all.low, 20 / (20 + z95 * z95), 1e-9);
    expect(all.high).toBeCloseTo(1, 15);
    expect(all.high).toBeLessThanOrEqual(1);
  });

  it("uses the level given", () => {
    const ci90 = wilson(7, 10, 0.9);
    expectRel(ci90.low, 0.4416997958698351, 1e-9);
    expectRel(ci90.high, 0.8731234160968021, 1e-9);
    expect(ci90.level).toBe(0.9);
    const ci99 = wilson(3, 4, 0.99);
    expectRel(ci99.low, 0.21812572203931785, 1e-9);
    expectRel(ci99.high, 0.969934404451047, 1e-9);
  });

  it("is the whole of [0, 1] with no trials", () => {
    const ci = wilson(0, 0, 0.9);
    expect(ci.estimate).toBeNaN();
    expect([ci.low, ci.high, ci.level]).toEqual([0, 1, 0.9]);
  });
});

describe("tInterval", () => {
  it("is mean ± t(1 − α/2, n − 1)·s/√n", () => {
    // s = √2.5, se = √(2.5/5) = √½; t(0.975, 4) = 2.776445105197793.
    const ci = tInterval([1, 2, 3, 4, 5]);
    expect(ci.estimate).toBe(3);
    expectRel(ci.se, Math.SQRT1_2, 1e-12);
    expect(ci.df).toBe(4);
    expectRel(ci.low, 1.0367568385224428, 1e-9);
    expectRel(ci.high, 4.963243161477557, 1e-9);
    expect(ci.level).toBe(0.95);
  });

  it("uses the level given and does not clamp", () => {
    const ci = tInterval([0.2, 0.9, 0.4], 0.9);
    expectRel(ci.estimate, 0.5, 1e-12);
    expectRel(ci.se, 0.2081665999466133, 1e-12);
    expect(ci.df).toBe(2);
    expectRel(ci.low, -0.10784347015537366, 1e-9);
    expectRel(ci.high, 1.1078434701553732, 1e-9);
    expect(ci.level).toBe(0.9);
  });

  it("has no width from a single value", () => {
    const ci = tInterval([7]);
    expect(ci.estimate).toBe(7);
    expect(ci.df).toBe(0);
    expect(ci.se).toBeNaN();
    expect(ci.low).toBeNaN();
    expect(ci.high).toBeNaN();
  });
});

describe("accuracyInterval", () => {
  const cases = (...pairs: [number, number][]) => pairs.map(([passes, trials]) => ({ passes, trials }));

  it("is the t-interval over per-case pass rates, with the pooled Wilson interval alongside", () => {
    const five = cases([10, 20], [12, 20], [14, 20], [8, 20], [11, 20]);
    const ci = accuracyInterval(five);
    expect(ci.method).toBe("t-cases");
    expectRel(ci.estimate, 0.55, 1e-12);
    expectRel(ci.se, 0.05, 1e-12);
    expectRel(ci.low, 0.41117774474011043, 1e-9);
    expectRel(ci.high, 0.6888222552598897, 1e-9);
    expect(ci.level).toBe(0.95);
    // Pooled: 55 of 100.
    expect(ci.pooled.estimate).toBe(0.55);
    expectRel(ci.pooled.low, 0.45244602997442135, 1e-9);
    expectRel(ci.pooled.high, 0.6438546202048803, 1e-9);
  });

  it("passes the level to both intervals", () => {
    const ci = accuracyInterval(cases([10, 20], [12, 20], [14, 20], [8, 20], [11, 20]), 0.9);
    expectRel(ci.low, 0.44340766068366755, 1e-9);
    expectRel(ci.high, 0.6565923393163324, 1e-9);
    expect(ci.level).toBe(0.9);
    expectRel(ci.pooled.low, 0.46792669861613656, 1e-9);
    expectRel(ci.pooled.high, 0.6294390293055461, 1e-9);
    expect(ci.pooled.level).toBe(0.9);
  });

  it("weighs cases equally, skips unscored ones and clamps the t-interval to [0, 1]", () => {
    // Rates ½, ¾, ⅘ (mean 0.68333, unlike the pooled 8/11); t-interval (0.284064, 1.0826).
    const ci = accuracyInterval(cases([1, 2], [3, 4], [4, 5], [0, 0]));
    expect(ci.method).toBe("t-cases");
    expectRel(ci.estimate, 41 / 60, 1e-12);
    expectRel(ci.se, 0.09279607271383372, 1e-12);
    expectRel(ci.low, 0.28406405776112703, 1e-9);
    expect(ci.high).toBe(1);
    expect(ci.pooled.estimate).toBe(8 / 11);
    expectRel(ci.pooled.low, 0.4343546988238708, 1e-9);
    expectRel(ci.pooled.high, 0.9025394070997511, 1e-9);
    // Rates 0 and ½: t-interval (−2.93, 3.43) becomes [0, 1].
    const wide = accuracyInterval(cases([0, 2], [1, 2]));
    expect(wide.method).toBe("t-cases");
    expect([wide.estimate, wide.se, wide.low, wide.high]).toEqual([0.25, 0.25, 0, 1]);
  });

  it("takes the pooled Wilson interval with one repeat per case, keeping the t standard error", () => {
    // Rates 1, 0, 1, 1: s = ½, se = ¼; Wilson on 3 of 4.
    const ci = accuracyInterval(cases([1, 1], [0, 1], [1, 1], [1, 1]));
    expect(ci.method).toBe("wilson-pooled");
    expect(ci.se).toBe(0.25);
    expect(ci.estimate).toBe(0.75);
    expectRel(ci.low, 0.30064184258240184, 1e-9);
    expectRel(ci.high, 0.9544127391902995, 1e-9);
    expect(ci.pooled).toEqual({ estimate: ci.estimate, low: ci.low, high: ci.high, level: 0.95 });
    // One case with two trials is enough for the t-interval.
    expect(accuracyInterval(cases([1, 1], [0, 1], [1, 2])).method).toBe("t-cases");
  });

  it("takes the pooled Wilson interval when every case has the same rate", () => {
    const ci = accuracyInterval(cases([1, 2], [1, 2], [2, 4]));
    expect(ci.method).toBe("wilson-pooled");
    expect(ci.se).toBe(0);
    expect(ci.estimate).toBe(0.5);
    expectRel(ci.low, 0.21521606221387757, 1e-9);
    expectRel(ci.high, 0.7847839377861224, 1e-9);
  });

  it("takes the pooled Wilson interval for a single case, with no standard error", () => {
    const ci = accuracyInterval(cases([3, 5]));
    expect(ci.method).toBe("wilson-pooled");
    expect(ci.se).toBeNaN();
    expect(ci.estimate).toBe(0.6);
    expectRel(ci.low, 0.23072428127601297, 1e-9);
    expectRel(ci.high, 0.8823792257673521, 1e-9);
  });

  it("is the whole of [0, 1] when nothing was scored", () => {
    for (const none of [[], cases([0, 0], [0, 0])]) {
      const ci = accuracyInterval(none, 0.9);
      expect(ci.method).toBe("wilson-pooled");
      expect(ci.estimate).toBeNaN();
      expect(ci.se).toBeNaN();
      expect([ci.low, ci.high, ci.level]).toEqual([0, 1, 0.9]);
    }
  });
});
