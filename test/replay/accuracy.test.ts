import { describe, expect, it } from "vitest";
import { accuracyInterval, tInterval, wilson } from "../../src/stats/intervals.ts";

describe("accuracy intervals", () => {
  it("Wilson 95% for 17/20 is [0.639581, 0.947631]", () => {
    const w = wilson(17, 20);
    expect(w.low).toBeCloseTo(0.639581, 6);
    expect(w.high).toBeCloseTo(0.947631, 6);
  });

  it("case means [1, .8, .4, 0] give mean 0.55 and SE 0.221736", () => {
    const rates = [
      [1, 1, 1, 1, 1],
      [1, 1, 1, 0, 1],
      [0, 1, 0, 0, 1],
      [0, 0, 0, 0, 0],
    ].map((c) => c.reduce((a, b) => a + b, 0) / c.length);
    const t = tInterval(rates);
    expect(t.estimate).toBeCloseTo(0.55, 10);
    expect(t.se).toBeCloseTo(0.221736, 6);
    // t(3, 0.975) = 3.182446
    expect(t.high - t.estimate).toBeCloseTo(3.182446 * 0.221736, 5);
  });

  it("uses the t-interval over cases when every case has repeats", () => {
    const a = accuracyInterval([5, 4, 2, 0].map((passes) => ({ passes, trials: 5 })));
    expect(a.method).toBe("t-cases");
    expect(a.estimate).toBeCloseTo(0.55, 10);
    expect(a.se).toBeCloseTo(0.221736, 6);
    expect(a.low).toBe(0); // clipped: the raw lower bound is negative
    expect(a.pooled.estimate).toBeCloseTo(11 / 20, 10);
  });

  it("falls back to Wilson on the pooled rate with one repeat", () => {
    const cases = Array.from({ length: 20 }, (_, i) => ({ passes: i < 17 ? 1 : 0, trials: 1 }));
    const a = accuracyInterval(cases);
    expect(a.method).toBe("wilson-pooled");
    expect(a.low).toBeCloseTo(0.639581, 6);
    expect(a.high).toBeCloseTo(0.947631, 6);
  });

  it("does not claim certainty when every case passed every time", () => {
    const a = accuracyInterval(Array.from({ length: 8 }, () => ({ passes: 5, trials: 5 })));
    expect(a.method).toBe("wilson-pooled");
    expect(a.high).toBe(1);
    expect(a.low).toBeLessThan(0.95);
  });
});
