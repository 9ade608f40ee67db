import type { Finding } from "../detect/types.ts";
import type { ShadowResult } from "./run-shadow.ts";

/** The detector name of a shadow job's alert. */
export const SHADOW_DETECTOR = "shadow_non_inferiority";

/**
 * What a finished shadow run says to the alert lifecycle: a fail is a critical finding (the
 * candidate is worse than the incumbent by more than the margin), a pass is a clear; undefined
 * when the run decides nothing (inconclusive, or the budget ran out), so a firing alert neither
 * resolves nor fires again on a run that proves nothing either way. Pure.
 */
export function shadowFindings(r: ShadowResult): Finding[] | undefined {
  const d = r.summary.decision;
  if (r.status !== "completed" || d.decision === "inconclusive") return undefined;
  if (d.decision === "pass") return [];
  const w = r.summary.winRate;
  return [
    {
      detector: SHADOW_DETECTOR,
      job: r.job,
      agent: r.candidate,
      severity: "critical",
      summary: `${r.candidate} is worse than ${r.incumbent} on sampled production inputs: ${d.reason}`,
      evidence: {
        runId: r.runId,
        incumbent: r.incumbent,
        winRate: w.estimate,
        winLow: w.low,
        winHigh: w.high,
        threshold: d.threshold,
        upperBound: d.upper,
        alpha: d.alpha,
        pairs: r.summary.pairs,
        swapConsistency: r.summary.swapConsistency,
        lengthControlledWinRate: r.summary.lengthControlled.winRate,
      },
    },
  ];
}
