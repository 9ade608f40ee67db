import { describe, expect, it } from "vitest";
import { flakyFindings } from "../../src/detect/flaky.ts";
import { betaBinomialPmf, upperTail } from "../../src/detect/predictive.ts";
import { caseStat as stat, hourlyPolicy, point } from "./helpers.ts";

// flakyMinTrials 20, α_flaky = BUDGET_SHARES.flaky / 720.
const policy = hourlyPolicy();
/** `count` runs in which every case listed passed all `n` of its trials. */
const perfect = (ids: readonly string[], count: number, n = 5) =>
  Array.from({ length: count }, (_, i) => point({ id: `b${i}`, cases: ids.map((id) => stat(id, n, n)) }));
const ten = Array.from({ length: 10 }, (_, i) => `c${i}`);
/** This run: c0 passed `passes` of 5, every other case all 5. */
const now = (passes: number, ids = ten) => point({ id: "now", cases: ids.map((id) => stat(id, 5, id === "c0" ? passes : 5)) });

describe("flakyFindings", () => {
  it("splits α_flaky over the cases that always passed (Bonferroni)", () => {
    const baseline = perfect(ten, 48);
    // c0 fails 3 of 5 after 240 clean trials: p lies between α/10 and α.
    const p = upperTail(betaBinomialPmf(5, 1, 241), 3);
    expect(p).toBeLessThan(policy.alpha.flaky);
    expect(p).toBeGreaterThan(policy.alpha.flaky / 10);
    // Ten always-passing cases: each is tested at α/10, and this is not enough.
    expect(flakyFindings(now(2), [], baseline, policy)).toEqual([]);
    // Once the other nine have failed in the baseline, c0 is the only candidate and is tested at α.
    const others = baseline.map((r, i) => (i === 0 ? { ...r, cases: r.cases.map((c) => (c.id === "c0" ? c : stat(c.id, 5, 4))) } : r));
    const [f, ...rest] = flakyFindings(now(2), [], others, policy);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ detector: "flaky", severity: "warning", caseId: "c0" });
    expect(f!.evidence).toMatchObject({ case: "c0", failures: 3, trials: 5, windowRuns: 1, baselineTrials: 240 });
    expect(f!.evidence.level).toBe(Number(policy.alpha.flaky.toPrecision(4)));
  });

  it("counts a case with exactly flakyMinTrials clean baseline trials, and not one with fewer", () => {
    expect(policy.flakyMinTrials).toBe(20);
    // 5 runs × 4 trials = 20 clean trials; then 5 failures of 5: p = 120/(26·25·24·23·22) ≈ 1.5e-5 < α.
    const enough = perfect(["c0"], 5, 4);
    expect(flakyFindings(now(0, ["c0"]), [], enough, policy).map((f) => f.caseId)).toEqual(["c0"]);
    const tooFew = perfect(["c0"], 4, 4).concat([point({ cases: [stat("c0", 3, 3)] })]);
    expect(flakyFindings(now(0, ["c0"]), [], tooFew, policy)).toEqual([]);
  });

  it("adds up failures over the window, but reports only a case that failed in this run", () => {
    const baseline = perfect(["c0"], 48);
    // One failure in this run alone is expected now and then (p ≈ 0.02).
    expect(flakyFindings(now(4, ["c0"]), [], baseline, policy)).toEqual([]);
    // With two failures in each of the five runs before it, the window shows it.
    const window = Array.from({ length: 5 }, (_, i) => point({ id: `w${i}`, cases: [stat("c0", 5, 3)] }));
    const [f] = flakyFindings(now(4, ["c0"]), window, baseline, policy);
    expect(f!.evidence).toMatchObject({ failures: 11, trials: 30, windowRuns: 6 });
    expect(f!.summary).toBe(
      `case c0 became flaky: 11 failures in its last 30 trials (6 runs) after passing all 240 baseline trials (p = ${Number(upperTail(betaBinomialPmf(30, 1, 241), 11)).toExponential(1)})`,
    );
    // A window run that did not have the case adds nothing.
    const [g] = flakyFindings(now(4, ["c0"]), [...window, point({ id: "other", cases: [stat("c9", 5, 0)] })], baseline, policy);
    expect(g!.evidence).toMatchObject({ failures: 11, trials: 30, windowRuns: 7 });
    // The same window with a clean run now: nothing to report on this run.
    expect(flakyFindings(now(5, ["c0"]), window, baseline, policy)).toEqual([]);
  });

  it("ignores cases that failed in the baseline or are absent now", () => {
    const baseline = perfect(["c0", "c1"], 48);
    baseline[3] = point({ cases: [stat("c0", 5, 4), stat("c1", 5, 5)] });
    expect(flakyFindings(now(0, ["c0"]), [], baseline, policy)).toEqual([]);
    expect(flakyFindings(point({ cases: [stat("c2", 5, 0)] }), [], baseline, policy)).toEqual([]);
  });
});
