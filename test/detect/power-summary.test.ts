import { describe, expect, it } from "vitest";
import { designPower, repeatsForDrop } from "../../src/engine/summary.ts";
import { formatPower } from "../../src/report/format-summary.ts";
import { minimumDetectableDrop } from "../../src/stats/power.ts";

describe("design power in run summaries", () => {
  it("states the paired minimum detectable drop from the run's own rates", () => {
    // 40 cases × 5 repeats, half at 4/5 and half at 5/5: mean 0.9.
    const cases = Array.from({ length: 40 }, (_, i) => ({ passes: i % 2 === 0 ? 4 : 5, scored: 5 }));
    const p = designPower(cases, 5)!;
    expect(p).toMatchObject({ cases: 40, repeats: 5, alpha: 0.05, power: 0.8 });
    expect(p.meanRate).toBeCloseTo(0.9, 12);
    // Var(p̂ᵢ) = 0.01·40/39; binomial part = mean(p̂(1−p̂)/(n−1)) = (0.16/4 + 0)/2 = 0.02 > Var: between = 0.
    expect(p.betweenCaseVar).toBe(0);
    expect(p.minimumDetectableDrop).toBeCloseTo(minimumDetectableDrop({ k: 40, n: 5, meanRate: 0.9, betweenCaseVar: 0 }), 12);
    // (1.96 + 0.8416)·√(2·0.09/5/40) = 0.0840
    expect(p.minimumDetectableDrop).toBeCloseTo(0.0862, 3);
  });

  it("says how many repeats a target drop needs, and more for a smaller one", () => {
    const cases = Array.from({ length: 40 }, (_, i) => ({ passes: i % 3 === 0 ? 3 : 5, scored: 5 }));
    const p = designPower(cases, 5)!;
    const n5 = repeatsForDrop(p, 0.05);
    const n3 = repeatsForDrop(p, 0.03);
    expect(n3).toBeGreaterThan(n5);
    // The design the summary recommends detects the target: its MDE is at most the target.
    expect(minimumDetectableDrop({ k: 40, n: n5, meanRate: p.meanRate, betweenCaseVar: p.betweenCaseVar })).toBeLessThanOrEqual(0.05);
    expect(minimumDetectableDrop({ k: 40, n: n5 - 1, meanRate: p.meanRate, betweenCaseVar: p.betweenCaseVar })).toBeGreaterThan(0.05);
    expect(formatPower(p, 0.03)).toMatch(
      new RegExp(`smallest detectable drop \\d+\\.\\d points .*; a 3\\.0-point drop needs ${n3} repeats per case`),
    );
  });

  it("states the drop that pages 80% of the time at the sudden-drop test's level, larger than the textbook one", () => {
    const cases = Array.from({ length: 40 }, (_, i) => ({ passes: i % 2 === 0 ? 4 : 5, scored: 5 }));
    const textbook = designPower(cases, 5)!;
    const paging = designPower(cases, 5, { alpha: 1 / 800, baselineRuns: 48 })!;
    expect(paging).toMatchObject({ alpha: 1 / 800, baselineRuns: 48, power: 0.8 });
    // (z_{1−1/800} + z_{0.8})·√(0.09·(1 + 1/48)/5/40) = (3.0233 + 0.8416)·0.02143 = 0.0828
    expect(paging.minimumDetectableDrop).toBeCloseTo(0.0828, 3);
    expect(formatPower(paging)).toMatch(
      /^pages a drop of ≥ 8\.3 points 80% of the time on its first run \(40 cases × 5 repeats against a 48-run baseline, one-sided α = 1\/800/,
    );
    // The repeats it recommends page the target drop at that level.
    const n = repeatsForDrop(paging, 0.05);
    const at = (reps: number) =>
      minimumDetectableDrop({ k: 40, n: reps, meanRate: paging.meanRate, betweenCaseVar: 0, alpha: 1 / 800, baselineRuns: 48 });
    expect(at(n)).toBeLessThanOrEqual(0.05);
    expect(at(n - 1)).toBeGreaterThan(0.05);
    expect(formatPower(textbook)).toMatch(/^smallest detectable drop 8\.6 points/);
  });

  it("keeps a finite answer when every trial passed, and none without two cases", () => {
    const perfect = designPower(
      Array.from({ length: 10 }, () => ({ passes: 5, scored: 5 })),
      5,
    )!;
    expect(perfect.minimumDetectableDrop).toBeGreaterThan(0);
    expect(Number.isFinite(repeatsForDrop(perfect, 0.05))).toBe(true);
    expect(designPower([{ passes: 5, scored: 5 }], 5)).toBeNull();
  });
});
