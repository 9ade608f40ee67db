import { cusumStep, type CusumState } from "../stats/control.ts";
import type { AccuracyComparison } from "./accuracy.ts";
import { cusumHForBaseline } from "./cusum-design.ts";
import { accuracyEvidence } from "./drop.ts";
import { pct, points, round } from "./format.ts";
import type { DetectionPolicy } from "./policy.ts";
import type { Finding, RunPoint } from "./types.ts";

/** The drift detector's result for one run: its new state and, when it alarms, a finding. */
export interface DriftStep {
  state: CusumState;
  /** The decision interval used for this run. */
  h: number;
  finding?: Finding;
}

/**
 * Slow drift: Page's one-sided lower CUSUM on the standardised per-run drop z,
 * S_t = max(0, S_{t−1} − z_t − k), alarm while S_t > h, with k = 0.5 and h solved for the
 * detector's in-control ARL₀ averaged over the baseline's own error (cusum-design.ts). It
 * accumulates drops too small for any single run to show: a sustained drop of δσ per run reaches
 * h in about (h + 1.17)/(δ − k) runs. The state is not reset at an alarm: the finding repeats
 * while the evidence stands (the alert stays firing), and S falls back below h once runs are in
 * control again. `before` (the runs before this one, newest first) gives the excursion's mean
 * accuracy, evidence of how far it went.
 */
export function driftStep(
  run: RunPoint,
  cmp: AccuracyComparison,
  prev: CusumState,
  baselineRuns: number,
  policy: DetectionPolicy,
  before: readonly RunPoint[] = [],
): DriftStep {
  const h = cusumHForBaseline(policy.cusum.arl0, policy.cusum.k, cmp.baselineShare);
  const stepped = cusumStep(prev, cmp.z, { k: policy.cusum.k, h });
  // S is capped at h + 2 (σ units): past h the alarm is already on, and without a cap a long drop
  // piles up a statistic that takes days to drain once the baseline has absorbed the change (or
  // after a false alarm). With the cap the finding stops within a few in-control runs (S falls by
  // about k = 0.5 a run), while a real drift, adding δ − k a run, holds S at the cap.
  const state = { ...stepped.state, s: Math.min(stepped.state.s, h + 2) };
  const alarm = stepped.alarm;
  if (!alarm) return { state, h };
  const since = state.run;
  const excursion = [run, ...before.slice(0, since - 1)];
  const scores = excursion.map((r) => r.accuracy?.estimate).filter((x): x is number => x !== undefined);
  const recent = scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : Number.NaN;
  const over = excursion.length > 1 && Number.isFinite(recent) ? `, ${pct(recent)} over the last ${excursion.length} runs` : "";
  return {
    state,
    h,
    finding: {
      detector: "drift",
      job: run.job,
      agent: run.agent,
      severity: "warning",
      summary: `accuracy drifting down: sustained drop for about ${since} run${since === 1 ? "" : "s"} (now ${points(cmp.drop)} against the baseline's ${pct(cmp.baseline)}${over})`,
      evidence: {
        ...accuracyEvidence(cmp, baselineRuns),
        cusum: round(state.s),
        h: round(h),
        k: policy.cusum.k,
        arl0: Math.round(policy.cusum.arl0),
        runsSinceChange: since,
        recentRuns: excursion.length,
        recentAccuracy: round(recent),
        runId: run.id,
      },
    },
  };
}
