import { ratio, round } from "./format.ts";
import { growth } from "./growth.ts";
import type { DetectionPolicy } from "./policy.ts";
import type { Finding, RunPoint } from "./types.ts";

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);

/** Latency: this run's p95 against the baseline runs' p95 (median/MAD on a log scale, see growth.ts). */
export function latencyFinding(run: RunPoint, baseline: readonly RunPoint[], policy: DetectionPolicy): Finding | undefined {
  const g = growth(
    run.p95Ms,
    baseline.map((r) => r.p95Ms),
    policy.latencyGrowth,
    policy.alpha.latency,
  );
  if (!g?.alarm) return undefined;
  return {
    detector: "latency",
    job: run.job,
    agent: run.agent,
    severity: "warning",
    summary: `p95 latency ${ratio(g.ratio)}: ${ms(g.value)} against the baseline median ${ms(g.median)}`,
    evidence: {
      p95Ms: round(g.value),
      baselineMedianMs: round(g.median),
      ratio: round(g.ratio),
      z: round(g.z),
      threshold: round(g.threshold),
      growthLimit: policy.latencyGrowth,
      baselineRuns: baseline.length,
      runId: run.id,
    },
  };
}
