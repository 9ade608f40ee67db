import { describe, expect, it } from "vitest";
import { averagedArl, cusumHForBaseline } from "../../src/detect/cusum-design.ts";
import { arlCusum, cusumHForArl0, cusumStart, cusumStep } from "../../src/stats/control.ts";
import { createRng } from "../../src/stats/rng.ts";

describe("CUSUM interval for an estimated baseline", () => {
  it("reduces to Siegmund's h for a known baseline", () => {
    expect(averagedArl(0.5, 5, 0)).toBeCloseTo(arlCusum(0.5, 5), 10);
    expect(cusumHForBaseline(930, 0.5, 0)).toBeCloseTo(cusumHForArl0(930, 0.5), 4);
  });

  it("needs a wider interval the larger the baseline's share of the noise", () => {
    const h0 = cusumHForBaseline(3600, 0.5, 0);
    const h48 = cusumHForBaseline(3600, 0.5, 1 / 49);
    const h6 = cusumHForBaseline(3600, 0.5, 1 / 7);
    expect(h48).toBeGreaterThan(h0);
    expect(h6).toBeGreaterThan(h48);
    // τ² is rounded up to a grid of 0.0025, so the averaged ARL comes out at or a little above the target.
    expect(averagedArl(0.5, h48, 1 / 49)).toBeGreaterThanOrEqual(3600);
    expect(averagedArl(0.5, h48, 1 / 49)).toBeLessThan(3600 * 1.2);
    expect(averagedArl(0.5, h48, 0.0225)).toBeCloseTo(3600, 0);
    // With a 48-run baseline the naive h would alarm about twice as often as designed.
    expect(averagedArl(0.5, h0, 1 / 49)).toBeLessThan(3600 / 1.8);
  });

  it("holds its false-alarm rate in simulation when the baseline error stays put", () => {
    // ARL₀ = 100 keeps the simulation small; τ² = 0.1 (a 9-run baseline).
    const tau2 = 0.1;
    const h = cusumHForBaseline(100, 0.5, tau2);
    const rng = createRng(99);
    let alarms = 0;
    let steps = 0;
    for (let seq = 0; seq < 400; seq++) {
      const e = rng.normal(0, Math.sqrt(tau2));
      let s = cusumStart();
      for (let t = 0; t < 200; t++) {
        steps++;
        const r = cusumStep(s, rng.normal(-e, Math.sqrt(1 - tau2)), { k: 0.5, h });
        s = r.state;
        if (r.alarm) {
          alarms++;
          s = cusumStart();
        }
      }
    }
    // Designed: one alarm per 100 steps on average over baseline errors (Siegmund is ~1% accurate).
    expect(alarms / steps).toBeGreaterThan(0.006);
    expect(alarms / steps).toBeLessThan(0.014);
  });
});
