import { pct } from "./format.ts";
import type { Finding, RunPoint } from "./types.ts";

export type { Finding };

/**
 * Fixed floor: fires only when the whole 95% interval is below `accuracy_below`, so a noisy run
 * whose point estimate dips under the floor does not page.
 */
export function thresholdFinding(floor: number | undefined, run: RunPoint): Finding | undefined {
  const a = run.accuracy;
  if (floor === undefined || !a || a.high >= floor) return undefined;
  return {
    detector: "threshold",
    job: run.job,
    agent: run.agent,
    severity: "critical",
    summary: `accuracy ${pct(a.estimate)} [${pct(a.low)}, ${pct(a.high)}] is below the floor ${(floor * 100).toFixed(0)}%`,
    evidence: { accuracy: a.estimate, low: a.low, high: a.high, floor, runId: run.id },
  };
}
