import type { AccuracyComparison } from "./accuracy.ts";
import { pct, points, round } from "./format.ts";
import type { DetectionPolicy } from "./policy.ts";
import type { Finding, RunPoint } from "./types.ts";

/** Evidence shared by the drop and drift findings: this run against its baseline. */
export function accuracyEvidence(cmp: AccuracyComparison, baselineRuns: number): Record<string, unknown> {
  return {
    accuracyNow: round(cmp.now),
    accuracyBaseline: round(cmp.baseline),
    drop: round(cmp.drop),
    sigma: round(cmp.sigma),
    sigmaModel: round(cmp.sigmaModel),
    sigmaEmpirical: cmp.sigmaEmpirical === null ? null : round(cmp.sigmaEmpirical),
    z: round(cmp.z),
    cases: cmp.cases,
    baselineRuns,
    worstCases: cmp.worst.map((c) => ({ id: c.id, baseline: round(c.baseline, 3), now: round(c.now, 3), passes: c.passes, scored: c.scored })),
  };
}

/**
 * Sudden drop: this run's paired drop, standardised by the in-control spread, is beyond the
 * one-sided normal quantile of the detector's false-alarm share (z < −Φ⁻¹(1 − α_drop)); with the
 * default budget of one false alert per 720 runs that is z < −3.20.
 */
export function suddenDropFinding(run: RunPoint, cmp: AccuracyComparison, baselineRuns: number, policy: DetectionPolicy): Finding | undefined {
  if (!(cmp.z < -policy.dropZ)) return undefined;
  return {
    detector: "drop",
    job: run.job,
    agent: run.agent,
    severity: "critical",
    summary: `accuracy dropped ${points(cmp.drop)} to ${pct(cmp.now)} against the baseline's ${pct(cmp.baseline)} (${(-cmp.z).toFixed(1)}σ; alerts beyond ${policy.dropZ.toFixed(2)}σ)`,
    evidence: { ...accuracyEvidence(cmp, baselineRuns), threshold: round(-policy.dropZ), alpha: round(policy.alpha.drop), runId: run.id },
  };
}
