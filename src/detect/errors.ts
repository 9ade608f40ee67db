import { pct, prob, round } from "./format.ts";
import type { DetectionPolicy } from "./policy.ts";
import { betaBinomialPmf, upperTail } from "./predictive.ts";
import type { Finding, RunPoint } from "./types.ts";

/**
 * Agent errors (timeouts, HTTP errors, unparsable replies) are "agent down", never drift: they
 * are left out of accuracy and reported here. Alerts when the error rate is above
 * `error_rate_above` and, given a baseline, beyond what the baseline's own error rate explains
 * (beta-binomial predictive, P(X ≥ x) < α_errors), so an agent that always drops a few requests
 * does not page for it. Baseline runs that were themselves above the limit are left out: an
 * outage must not become the yardstick for the next one.
 */
export function errorsFinding(run: RunPoint, baseline: readonly RunPoint[] | null, policy: DetectionPolicy): Finding | undefined {
  if (run.trials === 0) return undefined;
  const rate = run.errored / run.trials;
  if (!(rate > policy.errorRateAbove)) return undefined;
  const healthy = (baseline ?? []).filter((r) => r.trials > 0 && r.errored / r.trials <= policy.errorRateAbove);
  let p: number | null = null;
  if (healthy.length > 0) {
    const errors = healthy.reduce((s, r) => s + r.errored, 0);
    const trials = healthy.reduce((s, r) => s + r.trials, 0);
    p = upperTail(betaBinomialPmf(run.trials, errors + 0.5, trials - errors + 0.5), run.errored);
    if (!(p < policy.alpha.errors)) return undefined;
  }
  return {
    detector: "errors",
    job: run.job,
    agent: run.agent,
    severity: "critical",
    summary: `agent down? ${run.errored} of ${run.trials} trials got no usable reply (${pct(rate)}; limit ${pct(policy.errorRateAbove)})${p !== null ? ` (p = ${prob(p)} against the baseline)` : ""}`,
    evidence: {
      errored: run.errored,
      trials: run.trials,
      rate: round(rate),
      limit: policy.errorRateAbove,
      ...(p !== null ? { p: round(p) } : {}),
      runId: run.id,
    },
  };
}
