import { describe, expect, it } from "vitest";
import type { AccuracyComparison } from "../../src/detect/accuracy.ts";
import { accuracyEvidence, continuedDropFinding, suddenDropFinding, windowTests, type WindowTest } from "../../src/detect/drop.ts";
import { CONTINUE_ALPHA, resolvePolicy } from "../../src/detect/policy.ts";
import { stratifiedDropTest } from "../../src/stats/stratified.ts";
import { caseStat as stat, point } from "./helpers.ts";

// A job every 5 minutes: the sudden-drop test pools windows of 1, 2, 4 and 8 runs.
const policy = resolvePolicy({
  schedule: "*/5 * * * *",
  timezone: "UTC",
  alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48 },
});
const sig4 = (x: number) => Number(x.toPrecision(4));

// Six baseline runs: c0 and c2 always pass, c1 and c3 pass 4 of 5; z was never scored.
const baseline = Array.from({ length: 6 }, (_, i) =>
  point({ id: `b${i}`, cases: [stat("c0", 5, 5), stat("c1", 5, 4), stat("c2", 5, 5), stat("c3", 5, 4), stat("z", 0, 0)] }),
);
// This run: c3 unscored, z has no baseline rate, `new` is not in the baseline: only c0–c2 count.
const current = point({
  id: "now",
  cases: [stat("c0", 5, 3), stat("c1", 5, 2), stat("c2", 5, 5), stat("c3", 0, 0), stat("z", 5, 1), stat("new", 5, 0)],
});
const before = point({ id: "r1", cases: [stat("c0", 5, 5), stat("c1", 5, 5), stat("c2", 5, 5)] });

describe("windowTests", () => {
  it("tests the windows the recent runs fill, each at α_drop over the number of windows", () => {
    expect(policy.dropWindows).toEqual([1, 2, 4, 8]);
    const tests = windowTests(current, [before, before], baseline, policy);
    // A window of 4 needs 3 earlier runs: only 1 and 2 are tested.
    expect(tests.map((t) => t.runs)).toEqual([1, 2]);
    for (const t of tests) expect(t.alpha).toBe(policy.alpha.drop / 4);
    expect(windowTests(current, [], baseline, policy, 0.01).map((t) => [t.runs, t.alpha])).toEqual([[1, 0.01]]);
  });

  it("pairs the cases scored both in the window and in the baseline, with their pooled counts", () => {
    const [one, two] = windowTests(current, [before], baseline, policy);
    const opts = { delta: policy.dropDelta, tilt: policy.dropTilt };
    const exact1 = stratifiedDropTest(
      [
        { failsNow: 2, scoredNow: 5, failsBase: 0, scoredBase: 30 },
        { failsNow: 3, scoredNow: 5, failsBase: 6, scoredBase: 30 },
        { failsNow: 0, scoredNow: 5, failsBase: 0, scoredBase: 30 },
      ],
      opts,
    );
    expect(one).toEqual({
      runs: 1,
      p: exact1.p,
      alpha: policy.alpha.drop / 4,
      now: (0.6 + 0.4 + 1) / 3,
      baseline: (1 + 0.8 + 1) / 3,
      failsNow: 5,
      expectedFails: exact1.expectedFails,
    });
    const exact2 = stratifiedDropTest(
      [
        { failsNow: 2, scoredNow: 10, failsBase: 0, scoredBase: 30 },
        { failsNow: 3, scoredNow: 10, failsBase: 6, scoredBase: 30 },
        { failsNow: 0, scoredNow: 10, failsBase: 0, scoredBase: 30 },
      ],
      opts,
    );
    expect(two).toMatchObject({ runs: 2, p: exact2.p, failsNow: 5, expectedFails: exact2.expectedFails });
    expect(two!.now).toBeCloseTo((0.8 + 0.7 + 1) / 3, 12);
    expect(two!.baseline).toBeCloseTo((1 + 0.8 + 1) / 3, 12);
  });

  it("has rates of 0 and no strata when no case is shared", () => {
    const [t] = windowTests(point({ cases: [stat("other", 5, 0)] }), [], baseline, policy);
    expect(t).toMatchObject({ now: 0, baseline: 0, failsNow: 0 });
  });
});

const cmp: AccuracyComparison = {
  cases: 3,
  drop: -0.2666666,
  now: 0.6666666,
  baseline: 0.9333333,
  sigmaModel: 0.0512345,
  sigmaEmpirical: 0.0612345,
  sigma: 0.0612345,
  z: -4.3549,
  skew: -0.41234,
  baselineShare: 0.1,
  worst: [
    { id: "c1", baseline: 0.8, now: 0.4, change: -0.4, passes: 2, scored: 5 },
    { id: "c0", baseline: 1, now: 0.61234, change: -0.38766, passes: 3, scored: 5 },
  ],
};

describe("accuracyEvidence", () => {
  it("carries the comparison, rounded, and the worst cases", () => {
    expect(accuracyEvidence(cmp, 6)).toEqual({
      accuracyNow: 0.6667,
      accuracyBaseline: 0.9333,
      drop: -0.2667,
      sigma: 0.06123,
      sigmaModel: 0.05123,
      sigmaEmpirical: 0.06123,
      z: -4.355,
      cases: 3,
      baselineRuns: 6,
      worstCases: [
        { id: "c1", baseline: 0.8, now: 0.4, passes: 2, scored: 5 },
        { id: "c0", baseline: 1, now: 0.612, passes: 3, scored: 5 },
      ],
    });
    expect(accuracyEvidence({ ...cmp, sigmaEmpirical: null }, 6).sigmaEmpirical).toBeNull();
  });
});

describe("sudden and continued drop findings", () => {
  const test = (over: Partial<WindowTest> = {}): WindowTest => ({
    runs: 1,
    p: 0.01,
    alpha: 1e-4,
    now: 0.6666666,
    baseline: 0.9333333,
    failsNow: 5,
    expectedFails: 1.23,
    ...over,
  });
  const since = new Date("2024-05-01T00:00:00Z");
  const inControl = { ...cmp, sigmaEmpirical: null };

  it("a one-run window is 'this run'", () => {
    const f = suddenDropFinding(current, inControl, [test({ p: 1e-5 })], 6, policy)!;
    expect(f.summary).toBe(
      "accuracy dropped −26.7 points to 66.7% over this run against the baseline's 93.3% (5 failures where 1.2 were expected; p = 1.0e-5, pages below 1.0e-4)",
    );
    expect(f.evidence).toMatchObject({ windowRuns: 1, failsNow: 5, expectedFails: 1.23, alpha: 1e-4, p: 1e-5 });
  });

  it("the z-test fallback states how far out the drop is and where it pages", () => {
    const f = suddenDropFinding(current, { ...cmp, z: -9.5, sigmaModel: 0.01 }, [], 6, policy)!;
    expect(f.summary).toMatch(
      /^accuracy dropped −26\.7 points to 66\.7% against the baseline's 93\.3% \(9\.5σ of the baseline's own spread; pages beyond \d\.\d\dσ\)$/,
    );
    expect(f.evidence).toMatchObject({ test: "z-empirical", alpha: sig4(policy.alpha.drop) });
  });

  it("continues an open incident while this run is below the reference at the lenient level", () => {
    expect(policy.continueAlpha).toBe(CONTINUE_ALPHA);
    const f = continuedDropFinding(current, inControl, test({ p: 0.01 }), 6, since, policy)!;
    expect(f).toMatchObject({ detector: "drop", severity: "critical", job: "job", agent: "bot" });
    expect(f.summary).toBe(
      "accuracy still below its reference: 66.7% against 93.3% (−26.7 points; p = 0.010), since 2024-05-01T00:00:00.000Z",
    );
    expect(f.evidence).toEqual({
      ...accuracyEvidence(inControl, 6),
      test: "conditional-exact",
      continued: true,
      incidentSince: "2024-05-01T00:00:00.000Z",
      windowRuns: 1,
      windowAccuracy: 0.6667,
      windowBaseline: 0.9333,
      p: 0.01,
      alpha: CONTINUE_ALPHA,
      runId: "now",
    });
  });

  it("lets the incident go once the run is no longer below at that level, or was not tested", () => {
    expect(continuedDropFinding(current, inControl, test({ p: CONTINUE_ALPHA }), 6, since, policy)).toBeUndefined();
    expect(continuedDropFinding(current, inControl, test({ p: 0.2 }), 6, since, policy)).toBeUndefined();
    expect(continuedDropFinding(current, inControl, undefined, 6, since, policy)).toBeUndefined();
  });
});
