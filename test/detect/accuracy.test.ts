import { describe, expect, it } from "vitest";
import { compareAccuracy } from "../../src/detect/accuracy.ts";
import { baselineKey, selectBaseline } from "../../src/detect/baseline.ts";
import { point } from "./helpers.ts";

describe("paired accuracy comparison", () => {
  it("computes the paired drop and the binomial model's spread by hand", () => {
    // Two cases: baseline 8/10 and 10/10; now 3/5 and 5/5.
    const base = [point({ passes: [4, 5] }), point({ passes: [4, 5] })];
    const now = point({ passes: [3, 5] });
    const cmp = compareAccuracy(now, base, 12)!;
    expect(cmp.cases).toBe(2);
    expect(cmp.drop).toBeCloseTo((0.6 - 0.8 + (1 - 1)) / 2, 12);
    // v = p̃(1 − p̃) with p̃ = (s + ½)/(m + 1): 8.5/11 and 10.5/11; Var = Σ v(1/5 + 1/10)/K².
    const v1 = (8.5 / 11) * (2.5 / 11);
    const v2 = (10.5 / 11) * (0.5 / 11);
    expect(cmp.sigmaModel).toBeCloseTo(Math.sqrt((v1 + v2) * (1 / 5 + 1 / 10)) / 2, 12);
    expect(cmp.sigmaEmpirical).toBeNull(); // two baseline runs are too few for a robust spread
    expect(cmp.z).toBeCloseTo(cmp.drop / cmp.sigmaModel, 12);
    expect(cmp.baselineShare).toBeCloseTo(1 / 3, 12); // 1/10 against 1/5 + 1/10
    expect(cmp.worst.map((c) => c.id)).toEqual(["c0"]);
  });

  it("widens σ to the baseline's own run-to-run spread when runs vary more than coin flips", () => {
    // Baseline runs swing between all-pass and all-fail on every case: far more than binomial.
    const base = Array.from({ length: 20 }, (_, i) => point({ passes: Array.from({ length: 10 }, () => (i % 2 === 0 ? 5 : 2)) }));
    const cmp = compareAccuracy(point({ passes: Array.from({ length: 10 }, () => 2) }), base, 12)!;
    expect(cmp.sigmaEmpirical).not.toBeNull();
    expect(cmp.sigmaEmpirical!).toBeGreaterThan(cmp.sigmaModel * 2);
    expect(cmp.sigma).toBe(cmp.sigmaEmpirical);
  });

  it("reports the negative skew of rates near 1 (failures are the rare side)", () => {
    const base = Array.from({ length: 10 }, () => point({ passes: Array.from({ length: 10 }, () => 4) }));
    expect(compareAccuracy(point(), base, 12)!.skew).toBeLessThan(0);
  });

  it("is undefined when no case is scored both now and in the baseline", () => {
    const now = point({ cases: [{ id: "new", scored: 5, passes: 5, trials: 5, errors: 0, budgetExceeded: 0 }] });
    expect(compareAccuracy(now, [point()], 12)).toBeNull();
  });
});

describe("baseline selection", () => {
  const runs = (n: number, hash: string) => Array.from({ length: n }, (_, i) => point({ id: `${hash}-${i}`, goldenHash: hash }));

  it("keys on the golden-set hash and the judge model", () => {
    expect(baselineKey(point({ goldenHash: "a", judgeModel: "j-1" }))).not.toBe(baselineKey(point({ goldenHash: "a", judgeModel: "j-2" })));
    expect(baselineKey(point({ goldenHash: "a" }))).not.toBe(baselineKey(point({ goldenHash: "b" })));
  });

  it("stops at the first run of another key: a new golden set starts a new baseline", () => {
    const history = [...runs(3, "new"), ...runs(10, "old")];
    const b = selectBaseline(history, { key: baselineKey(point({ goldenHash: "new" })), size: 48, guard: 24 });
    expect(b.runs.map((r) => r.id)).toEqual(["new-0", "new-1", "new-2"]);
  });

  it("fills the window first, then keeps up to `guard` of the newest runs out of it", () => {
    const key = baselineKey(point({ goldenHash: "g" }));
    expect(selectBaseline(runs(10, "g"), { key, size: 8, guard: 4 }).runs.map((r) => r.id)[0]).toBe("g-2");
    expect(selectBaseline(runs(20, "g"), { key, size: 8, guard: 4 }).runs.map((r) => r.id)).toEqual(
      runs(12, "g")
        .slice(4)
        .map((r) => r.id),
    );
    expect(selectBaseline(runs(6, "g"), { key, size: 8, guard: 4 }).runs).toHaveLength(6);
  });
});
