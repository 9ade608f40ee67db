import { describe, expect, it } from "vitest";
import type { AccuracyComparison } from "../../src/detect/accuracy.ts";
import { cusumHForBaseline } from "../../src/detect/cusum-design.ts";
import { driftStep, type DriftStep } from "../../src/detect/drift.ts";
import type { RunPoint } from "../../src/detect/types.ts";
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
  const before: RunPoint[] = [];
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

  it("states the excursion: its length and its mean accuracy, from the run the CUSUM left zero", () => {
    // Five in-control runs at 95%, then a 1σ drop a run with accuracies 80%, 81%, … (newest last).
    const h = cusumHForBaseline(policy.cusum.arl0, policy.cusum.k, 1 / 49);
    const n = Math.floor(h / 0.5) + 1;
    let state: CusumState = cusumStart();
    const before: RunPoint[] = [];
    let step: DriftStep | undefined;
    const accuracy = (estimate: number) => ({ estimate, low: estimate - 0.05, high: estimate + 0.05 });
    for (let i = 0; i < 5; i++) {
      const run = point({ id: `ok${i}`, accuracy: accuracy(0.95) });
      state = driftStep(run, comparison(0), state, 48, policy, before).state;
      before.unshift(run);
    }
    // One run without an accuracy inside the excursion: left out of the mean, counted as a run.
    const estimates = Array.from({ length: n }, (_, i) => 0.8 + i / 100);
    for (let i = 0; i < n; i++) {
      const run = point({ id: `d${i}`, accuracy: i === 1 ? null : accuracy(estimates[i]!) });
      step = driftStep(run, comparison(-1), state, 48, policy, before);
      state = step.state;
      before.unshift(run);
    }
    const scored = estimates.filter((_, i) => i !== 1);
    const mean = scored.reduce((a, b) => a + b, 0) / scored.length;
    const f = step!.finding!;
    expect(f.evidence).toMatchObject({ runsSinceChange: n, recentRuns: n, recentAccuracy: Number(mean.toPrecision(4)) });
    expect(f.summary).toBe(
      `accuracy drifting down: sustained drop for about ${n} runs (now −2.0 points against the baseline's 90.0%, ${(mean * 100).toFixed(1)}% over the last ${n} runs)`,
    );
  });

  it("words a one-run excursion in the singular, without a mean, and needs no earlier runs", () => {
    const f = driftStep(point({ id: "now" }), comparison(-20), cusumStart(), 48, policy).finding!;
    expect(f.summary).toBe("accuracy drifting down: sustained drop for about 1 run (now −40.0 points against the baseline's 90.0%)");
    expect(f.evidence).toMatchObject({ runsSinceChange: 1, recentRuns: 1, recentAccuracy: 1 });
    // Without the runs before it, an excursion of several runs is described by this run alone.
    const h = cusumHForBaseline(policy.cusum.arl0, policy.cusum.k, 1 / 49);
    const g = driftStep(point({ id: "now" }), comparison(-1), { s: h, run: 5 }, 48, policy).finding!;
    expect(g.evidence).toMatchObject({ runsSinceChange: 6, recentRuns: 1 });
    expect(g.summary).toBe("accuracy drifting down: sustained drop for about 6 runs (now −2.0 points against the baseline's 90.0%)");
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
