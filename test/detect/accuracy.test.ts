import { describe, expect, it } from "vitest";
import { compareAccuracy } from "../../src/detect/accuracy.ts";
import { baselineKey, selectBaseline, trimHistory } from "../../src/detect/baseline.ts";
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
    expect(cmp.now).toBeCloseTo(0.8, 12);
    expect(cmp.baseline).toBeCloseTo(0.9, 12);
    // Skewness by hand: κ₃ = Σ p̃(1 − p̃)(1 − 2p̃)(1/5² − 1/10²), over κ₂^1.5 with κ₂ = Σ v(1/5 + 1/10).
    const third = [8.5 / 11, 10.5 / 11].reduce((s, p) => s + p * (1 - p) * (1 - 2 * p) * (1 / 25 - 1 / 100), 0);
    expect(cmp.skew).toBeCloseTo(third / ((v1 + v2) * (1 / 5 + 1 / 10)) ** 1.5, 12);
  });

  it("trusts the baseline's own spread from exactly minEmpiricalRuns runs", () => {
    const base = Array.from({ length: 12 }, (_, i) => point({ passes: Array.from({ length: 10 }, () => (i % 2 === 0 ? 5 : 3)) }));
    expect(compareAccuracy(point(), base, 12)!.sigmaEmpirical).not.toBeNull();
    expect(compareAccuracy(point(), base, 13)!.sigmaEmpirical).toBeNull();
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

  it("lists at most five cases that fell, worst first, and skips cases not scored on either side", () => {
    const base = [point({ passes: [5, 5, 5, 5, 5, 5, 5, 5] })];
    const now = point({ passes: [4, 0, 3, 1, 2, 5, 0, 5] });
    now.cases[6] = { ...now.cases[6]!, scored: 0, passes: 0 }; // nothing scored now: left out
    const cmp = compareAccuracy(now, base, 12)!;
    expect(cmp.cases).toBe(7);
    expect(cmp.worst.map((c) => c.id)).toEqual(["c1", "c3", "c4", "c2", "c0"]);
    expect(cmp.worst[0]).toEqual({ id: "c1", baseline: 1, now: 0, change: -1, passes: 0, scored: 5 });
    const emptyBase = [point({ cases: base[0]!.cases.map((c) => ({ ...c, scored: 0, passes: 0 })) })];
    expect(compareAccuracy(now, emptyBase, 12)).toBeNull();
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

  it("keeps an open incident's runs out, unless that level was accepted, and an acceptance ends the segment where it began", () => {
    const key = baselineKey(point({ goldenHash: "g" }));
    const hour = (h: number) => new Date(Date.UTC(2024, 4, 1, h));
    // Newest first: runs at hours 9..0; hours 7..5 were an incident that began at 5.
    const history = Array.from({ length: 10 }, (_, i) =>
      point({ id: `r${9 - i}`, goldenHash: "g", startedAt: hour(9 - i), incident: 9 - i >= 5 && 9 - i <= 7 }),
    );
    const plain = selectBaseline(history, { key, size: 10, guard: 0 });
    expect(plain.runs.map((r) => r.id)).toEqual(["r9", "r8", "r4", "r3", "r2", "r1", "r0"]);
    expect(plain.segment).toHaveLength(10);
    expect(plain.recent).toEqual([]);
    const accepted = selectBaseline(history, { key, size: 10, guard: 0, accepted: { from: hour(5), at: hour(7) } });
    expect(accepted.runs.map((r) => r.id)).toEqual(["r9", "r8", "r7", "r6", "r5"]);
    // Accepted at hour 6: the incident's run at hour 7 came after and is not covered.
    const early = selectBaseline(history, { key, size: 10, guard: 0, accepted: { from: hour(5), at: hour(6) } });
    expect(early.runs.map((r) => r.id)).toEqual(["r9", "r8", "r6", "r5"]);
  });

  it("names the guard's runs as recent, and has no runs when the segment is empty", () => {
    const key = baselineKey(point({ goldenHash: "g" }));
    const b = selectBaseline(runs(12, "g"), { key, size: 8, guard: 4 });
    expect(b.recent.map((r) => r.id)).toEqual(["g-0", "g-1", "g-2", "g-3"]);
    const none = selectBaseline(runs(3, "other"), { key, size: 8, guard: 4 });
    expect(none).toEqual({ key, runs: [], segment: [], recent: [] });
    expect(baselineKey(point({ goldenHash: "a", judgeModel: null }))).toBe("a|");
  });

  it("trims the history to the newest runs and enough runs outside incidents", () => {
    const history = Array.from({ length: 10 }, (_, i) => point({ id: `r${i}`, incident: i >= 1 && i <= 3 }));
    expect(trimHistory(history, { recent: 2, clear: 3 }).map((r) => r.id)).toEqual(["r0", "r1", "r4", "r5"]);
    expect(trimHistory(history, { recent: 5, clear: 0 }).map((r) => r.id)).toEqual(["r0", "r1", "r2", "r3", "r4"]);
  });
});
