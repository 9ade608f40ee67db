import { describe, expect, it } from "vitest";
import type { AccuracyComparison } from "../../src/detect/accuracy.ts";
import { cusumHForBaseline } from "../../src/detect/cusum-design.ts";
import { driftStep } from "../../src/detect/drift.ts";
import { cusumStart, type CusumState } from "../../src/stats/control.ts";
import { hourlyPolicy, point } from "./helpers.ts";

/** A paired comparison whose standardised drop is `z` (σ = 0.02, 10 cases, a 48-run baseline's share). */
function comparison(z: number): AccuracyComparison {
  const sigma = 0.02;
  return {
    cases: 10,
    drop: z * sigma,
    now: 0.9 + z * sigma,
    baseline: 0.9,
    sigmaModel: sigma,
    sigmaEmpirical: null,
    sigma,
    z,
    skew: 0,
    baselineShare: 1 / 49,
    worst: [],
  };
}

const policy = hourlyPolicy();

/** Feeds `zs` through driftStep from an empty CUSUM; returns each step. */
function feed(zs: readonly number[]) {
  let state: CusumState = cusumStart();
  const before = [];
  const steps = [];
  for (const [i, z] of zs.entries()) {
    const run = point({ id: `r${i}`, accuracy: { estimate: 0.9 + z * 0.02, low: 0.85, high: 0.95 } });
    const step = driftStep(run, comparison(z), state, 48, policy, before);
    state = step.state;
    before.unshift(run);
    steps.push(step);
  }
  return steps;
}

describe("driftStep", () => {
  it("reports a sustained drop of one σ a run as drift, in about (h + 1.17)/(δ − k) runs", () => {
    const steps = feed(Array.from({ length: 40 }, () => -1));
    const first = steps.findIndex((s) => s.finding !== undefined);
    const h = cusumHForBaseline(policy.cusum.arl0, policy.cusum.k, 1 / 49);
    expect(steps[0]!.h).toBeCloseTo(h, 10);
    // S grows by δ − k = 0.5 a run; it passes h on run ⌊h / 0.5⌋ + 1.
    expect(first + 1).toBe(Math.floor(h / 0.5) + 1);
    const f = steps[first]!.finding!;
    expect(f.detector).toBe("drift");
    expect(f.severity).toBe("warning");
    expect(f.job).toBe("job");
    expect(f.agent).toBe("bot");
    expect(f.evidence).toMatchObject({ runsSinceChange: first + 1, recentRuns: first + 1, k: policy.cusum.k, runId: `r${first}` });
    expect(f.summary).toContain(`sustained drop for about ${first + 1} runs`);
    // The finding repeats while the evidence stands, and S stays capped at h + 2.
    expect(steps.slice(first).every((s) => s.finding?.detector === "drift")).toBe(true);
    expect(steps.at(-1)!.state.s).toBeCloseTo(h + 2, 10);
  });

  it("stays silent in control and on a drop too small for its reference value", () => {
    expect(feed(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : -1))).some((s) => s.finding)).toBe(false);
    expect(feed(Array.from({ length: 200 }, () => -0.5)).some((s) => s.finding)).toBe(false);
  });

  it("stops within a few in-control runs after a long drop (the cap on S)", () => {
    const steps = feed([...Array.from({ length: 60 }, () => -2), ...Array.from({ length: 10 }, () => 0)]);
    expect(steps[59]!.finding?.detector).toBe("drift");
    // From h + 2, S falls by k = 0.5 a run: at most 4 more findings, then none.
    const after = steps.slice(60).map((s) => s.finding !== undefined);
    expect(after.slice(0, 3).every(Boolean)).toBe(true);
    expect(after.slice(5).some(Boolean)).toBe(false);
  });
});
