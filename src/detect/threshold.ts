import type { JobConfig } from "../config/schema.ts";
import type { RunSummary } from "../engine/summary.ts";

/** Something a detector found about a run, with the evidence for it. */
export interface Finding {
  detector: string;
  job: string;
  agent: string;
  severity: "warning" | "critical";
  summary: string;
  evidence: Record<string, unknown>;
  /** Set for per-case findings. */
  caseId?: string;
}

/**
 * Fixed floor: fires only when the whole 95% interval is below `accuracy_below`, so a noisy run
 * whose point estimate dips under the floor does not page.
 */
export function thresholdFinding(job: JobConfig, s: RunSummary): Finding | undefined {
  const floor = job.alerts.accuracy_below;
  const a = s.accuracy;
  if (floor === undefined || !a || a.high >= floor) return undefined;
  return {
    detector: "threshold",
    job: s.job,
    agent: s.agent,
    severity: "critical",
    summary: `accuracy ${(a.estimate * 100).toFixed(1)}% [${(a.low * 100).toFixed(1)}, ${(a.high * 100).toFixed(1)}] is below the floor ${(floor * 100).toFixed(0)}%`,
    evidence: { accuracy: a.estimate, low: a.low, high: a.high, floor, runId: s.runId },
  };
}

/** Agent errors are "agent down", not drift: reported on their own. */
export function errorRateFinding(s: RunSummary, maxRate = 0.2): Finding | undefined {
  if (s.trials === 0 || s.errorRate <= maxRate) return undefined;
  return {
    detector: "errors",
    job: s.job,
    agent: s.agent,
    severity: "critical",
    summary: `agent down? ${s.errored} of ${s.trials} trials failed to get a reply (${(s.errorRate * 100).toFixed(0)}%)`,
    evidence: { errored: s.errored, trials: s.trials, runId: s.runId },
  };
}
