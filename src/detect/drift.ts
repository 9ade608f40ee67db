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
 * control again. `recentAccuracy` (the mean accuracy over the excursion's runs) is evidence of
 * how far it went.
 */
export function driftStep(
  run: RunPoint,
  cmp: AccuracyComparison,
  prev: CusumState,
  baselineRuns: number,
  policy: DetectionPolicy,
  recentAccuracy?: { runs: number; accuracy: number },
): DriftStep {
  const h = cusumHForBaseline(policy.cusum.arl0, policy.cusum.k, cmp.baselineShare);
  const { state, alarm } = cusumStep(prev, cmp.z, { k: policy.cusum.k, h });
  if (!alarm) return { state, h };
  const since = state.run;
  const over = recentAccuracy && recentAccuracy.runs > 1 ? `, ${pct(recentAccuracy.accuracy)} over the last ${recentAccuracy.runs} runs` : "";
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
        ...(recentAccuracy ? { recentRuns: recentAccuracy.runs, recentAccuracy: round(recentAccuracy.accuracy) } : {}),
        runId: run.id,
      },
    },
  };
}
