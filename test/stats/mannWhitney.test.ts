import { describe, expect, it } from "vitest";
import { exactUDistribution, mannWhitney } from "../../src/stats/mannWhitney.ts";
import { expectRel } from "./helpers.ts";

describe("exactUDistribution", () => {
  it("counts arrangements: m = n = 2 gives 1,1,2,1,1 over 6", () => {
    const d = Array.from(exactUDistribution(2, 2));
    [1, 1, 2, 1, 1].forEach((c, u) => expectRel(d[u]!, c / 6, 1e-14));
  });
});

describe("mannWhitney", () => {
  it("matches R's wilcox.test example (Hollander & Wolfe): W = 35, one-sided p = 0.1272", () => {
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    const r = mannWhitney(x, y);
    expect(r.method).toBe("exact");
    expect(r.u).toBe(35);
    expectRel(r.pValue, 0.254412);
    expectRel(r.probSuperiority, 0.7);
    expectRel(mannWhitney(x, y, { method: "normal" }).pValue, 0.244624);
  });

  // References: scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method=...).
  it("exact p for untied samples", () => {
    const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
    const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.14, 3.14, 1.2];
    const r = mannWhitney(x, y);
    expect(r.u).toBe(58);
    expectRel(r.pValue, 0.135911);
    expectRel(mannWhitney([1, 2, 3], [4, 5, 6]).pValue, 0.1);
    const a = Array.from({ length: 20 }, (_, i) => i + 1);
    const b = Array.from({ length: 20 }, (_, i) => i + 5.5);
    expectRel(mannWhitney(a, b).pValue, 0.0304113);
    expectRel(mannWhitney(a, b, { method: "normal" }).pValue, 0.0315171);
  });

  it("exact p for larger samples", () => {
    // Seeded normal draws, rounded to 6 dp (numpy default_rng(1)); scipy exact p = 0.0345835.
    const a = [
      0.345584, 0.821618, 0.330437, -1.303157, 0.905356, 0.446375, -0.536953, 0.581118, 0.364572, 0.294132, 0.028422, 0.546713, -0.736454,
      -0.16291, -0.482119, 0.598846, 0.039722, -0.292457, -0.781908, -0.257192, 0.008142, -0.275603, 1.294064, 1.006724, -2.711162,
      -1.889013, -0.174772, -0.42219, 0.213643, 0.217322,
    ];
    const b = [
      2.617839, -0.612021, 0.122395, 2.542772, 1.146703, 1.163063, -0.014006, -1.148075, 0.667465, 0.609014, -0.727352, -0.183227, 0.427956,
      -0.444752, 0.40173, 0.595483, 0.535586, -0.006292, 1.093748, 1.391167, 0.820848, -0.31823, 1.231652, -0.00144, 1.379161,
    ];
    const r = mannWhitney(a, b);
    expect(r.u).toBe(250);
    expect(r.method).toBe("exact");
    expectRel(r.pValue, 0.0345835);
    expectRel(mannWhitney(a, b, { method: "normal" }).pValue, 0.0353406);
  });

  it("uses the tie-corrected normal approximation with ties", () => {
    const x = [0.2, 0.4, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0];
    const y = [0.0, 0.2, 0.2, 0.4, 0.6, 0.6, 0.8, 1.0];
    const r = mannWhitney(x, y);
    expect(r.method).toBe("normal");
    expect(r.u).toBe(43);
    expectRel(r.pValue, 0.261924);
    const r2 = mannWhitney([1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5], [2, 3, 4, 4, 5, 5, 5, 6, 6, 7]);
    expect(r2.u).toBe(15.5);
    expectRel(r2.pValue, 0.00534518);
    expect(() => mannWhitney(x, y, { method: "exact" })).toThrow(RangeError);
  });

  it("degenerate samples", () => {
    expect(mannWhitney([1, 1], [1, 1]).pValue).toBe(1);
    expect(mannWhitney([], [1]).pValue).toBeNaN();
  });
});
