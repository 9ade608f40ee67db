import { describe, expect, it } from "vitest";
import {
  arlCusum,
  arlEwma,
  cusumHForArl0,
  cusumStart,
  cusumStep,
  ewmaLForArl0,
  ewmaStart,
  ewmaStep,
  type CusumParams,
  type EwmaParams,
} from "../../src/stats/control.ts";
import { createRng } from "../../src/stats/rng.ts";
import { expectRel } from "./helpers.ts";

describe("cusumStep", () => {
  it("accumulates drops beyond k and alarms above h", () => {
    const p: CusumParams = { k: 0.5, h: 2 };
    let s = cusumStart();
    const seen: number[] = [];
    let alarmAt = -1;
    [-1, -1, 0.2, -1.5, 3].forEach((z, i) => {
      const r = cusumStep(s, z, p);
      s = r.state;
      seen.push(s.s);
      if (r.alarm && alarmAt < 0) alarmAt = i;
    });
    // 0.5, 1.0, 0.3, 1.3, 0 (a rise pulls it back to 0)
    [0.5, 1.0, 0.3, 1.3, 0].forEach((v, i) => expect(seen[i]).toBeCloseTo(v, 12));
    expect(alarmAt).toBe(-1);
    expect(s.run).toBe(0);
    const r = cusumStep({ s: 1.8, run: 4 }, -0.8, p);
    expect(r.alarm).toBe(true);
    expect(r.state).toEqual({ s: 2.1, run: 5 });
  });

  it("rejects non-finite observations", () => {
    expect(() => cusumStep(cusumStart(), Number.NaN, { k: 0.5, h: 4 })).toThrow(RangeError);
  });
});

describe("arlCusum (Siegmund)", () => {
  it("matches the closed form", () => {
    expectRel(arlCusum(0.5, 5), 938.222);
    expectRel(arlCusum(0.5, 4), 338.093);
    expectRel(arlCusum(0.5, 5, -1), 10.3362);
    expectRel(arlCusum(0.5, 5, -0.5), 38.0196); // Δ = 0: b²
    expectRel(arlCusum(0, 3), 17.3556);
    // Either side of the switch between the series (|2Δb| < 1e-3) and the closed form.
    expectRel(arlCusum(0.5, 5, -0.5 + 7e-5), 38.0305);
    expectRel(arlCusum(0.5, 5, -0.5 + 9e-5), 38.0336);
    expectRel(arlCusum(0.5, 5, -0.5 - 7e-5), 38.0086);
    expectRel(arlCusum(0.5, 5, -0.5 - 9e-5), 38.0055);
  });

  it("is within ~1% of published Markov-chain ARLs (Brook & Evans; Montgomery Table 9.3 ×2 for one side)", () => {
    expectRel(arlCusum(0.5, 5), 930.9, 0.012);
    expectRel(arlCusum(0.5, 4), 336, 0.012);
    expectRel(arlCusum(0.5, 5, -1), 10.4, 0.012);
  });

  it("cusumHForArl0 inverts it", () => {
    expectRel(cusumHForArl0(930, 0.5), 4.99131);
    expectRel(cusumHForArl0(500, 0.5), 4.38131);
    expectRel(cusumHForArl0(1000, 0.25), 8.58247);
    expectRel(cusumHForArl0(100, 0), 8.834);
    expect(() => cusumHForArl0(1, 0.5)).toThrow(RangeError);
  });
});

/** Mean run length to the first alarm over `runs` seeded simulations. */
function simulateArl<S>(
  runs: number,
  seed: number,
  start: () => S,
  step: (s: S, z: number) => { state: S; alarm: boolean },
  shift: number,
): number {
  const rng = createRng(seed);
  let total = 0;
  for (let r = 0; r < runs; r++) {
    let s = start();
    for (let t = 1; ; t++) {
      const next = step(s, rng.normal(shift));
      s = next.state;
      if (next.alarm) {
        total += t;
        break;
      }
    }
  }
  return total / runs;
}

describe("Monte Carlo check of the ARL calculations (seeded)", () => {
  it("lower CUSUM: h chosen for ARL0 = 500 gives ≈ 500 in-control, ≈ 9 at a 1σ drop", () => {
    const k = 0.5;
    const h = cusumHForArl0(500, k);
    const p = { k, h };
    // SE of the mean of 3000 geometric-like run lengths ≈ 500/√3000 ≈ 1.8%.
    const arl0 = simulateArl(3000, 20240601, cusumStart, (s, z) => cusumStep(s, z, p), 0);
    expectRel(arl0, 500, 0.07);
    const arl1 = simulateArl(5000, 7, cusumStart, (s, z) => cusumStep(s, z, p), -1);
    expectRel(arl1, arlCusum(k, h, -1), 0.04);
  });

  it("lower EWMA: L chosen for ARL0 = 300 gives ≈ 300", () => {
    const lambda = 0.2;
    const L = ewmaLForArl0(300, lambda);
    const p: EwmaParams = { lambda, L };
    const arl0 = simulateArl(3000, 99, ewmaStart, (s, z) => ewmaStep(s, z, p), 0);
    expectRel(arl0, 300, 0.07);
    const arl1 = simulateArl(5000, 3, ewmaStart, (s, z) => ewmaStep(s, z, p), -0.5);
    expectRel(arl1, arlEwma(lambda, L, -0.5), 0.05);
  });
});

describe("ewmaStep", () => {
  it("smooths and alarms below the steady-state limit", () => {
    const p: EwmaParams = { lambda: 0.2, L: 3 };
    const r1 = ewmaStep(ewmaStart(), -2, p);
    expect(r1.state.e).toBeCloseTo(-0.4, 12);
    expect(r1.limit).toBeCloseTo(1, 12); // 3·√(0.2/1.8)
    expect(r1.alarm).toBe(false);
    const r2 = ewmaStep({ e: -0.9 }, -1.5, p); // −0.3 − 0.72 = −1.02
    expect(r2.alarm).toBe(true);
    expect(ewmaStep({ e: 0.9 }, 1.5, p).alarm).toBe(false);
    expect(ewmaStep({ e: 0.9 }, 1.5, { ...p, side: "both" }).alarm).toBe(true);
    expect(() => ewmaStep(ewmaStart(), 0, { lambda: 0, L: 3 })).toThrow(RangeError);
  });
});

describe("arlEwma (integral equation)", () => {
  // References: an independent numpy Nyström solution with 600 nodes, which reproduces
  // Lucas & Saccucci (1990) / Montgomery Table 9.11 (λ = 0.1, L = 2.814: 500, 31.3, 10.3).
  it("two-sided, against Lucas & Saccucci", () => {
    expectRel(arlEwma(0.1, 2.814, 0, "both"), 499.58);
    expectRel(arlEwma(0.1, 2.814, 0.5, "both"), 31.2974);
    expectRel(arlEwma(0.1, 2.814, 1, "both"), 10.3307);
    expectRel(arlEwma(0.1, 2.814, -1, "both"), 10.3307);
    expectRel(arlEwma(0.4, 3.054, 0, "both"), 499.951);
  });

  it("λ = 1 is the Shewhart chart: 1/(2·Φ(−3)) and 1/Φ(−3)", () => {
    expectRel(arlEwma(1, 3, 0, "both"), 370.398);
    expectRel(arlEwma(1, 3, 0, "lower"), 740.797);
  });

  it("lower-sided", () => {
    expectRel(arlEwma(0.1, 2.814), 1016.09);
    expectRel(arlEwma(0.1, 2.814, -1), 10.3307);
    expectRel(arlEwma(0.2, 2.5), 289.822);
    expectRel(arlEwma(0.2, 2.5, -0.5), 22.9744);
    expectRel(arlEwma(0.05, 2.5), 790.752);
  });

  it("ewmaLForArl0 inverts it", () => {
    expectRel(ewmaLForArl0(500, 0.1, "both"), 2.81431);
    expectRel(ewmaLForArl0(300, 0.2), 2.51403);
    expectRel(ewmaLForArl0(720, 0.1), 2.68152);
    expectRel(ewmaLForArl0(1000, 0.05), 2.60126);
  });
});
