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
    worstCases: cmp.worst.map((c) => ({
      id: c.id,
      baseline: round(c.baseline, 3),
      now: round(c.now, 3),
      passes: c.passes,
      scored: c.scored,
    })),
  };
}

/**
 * The lower α-quantile of the standardised drop: the normal quantile −z_α corrected for the
 * drop's skewness γ by Cornish–Fisher, −z_α + (z_α² − 1)·γ/6. Pass rates near 1 make per-case
 * rates left-skewed (failures are the rare side), and at 1 in 1,440 runs that skew matters: the
 * uncorrected normal threshold measured a third more false alarms than its share.
 */
export function dropThreshold(cmp: AccuracyComparison, policy: DetectionPolicy): number {
  const z = policy.dropZ;
  const gamma = Math.max(-1, Math.min(1, cmp.skew));
  return -z + ((z * z - 1) * gamma) / 6;
}

/**
 * Sudden drop: this run's paired drop, standardised by the in-control spread, is beyond the
 * lower quantile of the detector's false-alarm share (dropThreshold; with the default budget of
 * one false alert per 720 runs, z < −3.20 before the skewness correction).
 */
export function suddenDropFinding(
  run: RunPoint,
  cmp: AccuracyComparison,
  baselineRuns: number,
  policy: DetectionPolicy,
): Finding | undefined {
  const threshold = dropThreshold(cmp, policy);
  if (!(cmp.z < threshold)) return undefined;
  return {
    detector: "drop",
    job: run.job,
    agent: run.agent,
    severity: "critical",
    summary: `accuracy dropped ${points(cmp.drop)} to ${pct(cmp.now)} against the baseline's ${pct(cmp.baseline)} (${(-cmp.z).toFixed(1)}σ; alerts beyond ${(-threshold).toFixed(2)}σ)`,
    evidence: {
      ...accuracyEvidence(cmp, baselineRuns),
      threshold: round(threshold),
      skew: round(cmp.skew),
      alpha: round(policy.alpha.drop),
      runId: run.id,
    },
  };
}
