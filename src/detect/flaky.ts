import { prob, round } from "./format.ts";
import type { DetectionPolicy } from "./policy.ts";
import { betaBinomialPmf, upperTail } from "./predictive.ts";
import type { Finding, RunPoint } from "./types.ts";

/**
 * Flaky cases: a case that passed every one of its (≥ flakyMinTrials) baseline trials now fails
 * sometimes. Judged over a short window (this run and the few before it), since one failure in
 * one run of a near-perfect case is expected now and then. Under "nothing changed" the window's
 * failures F follow the beta-binomial predictive of a failure rate estimated from 0 failures in
 * m baseline trials; a uniform prior Beta(1, 1) is used rather than Jeffreys' because it is more
 * cautious about cases that simply have not failed yet. A case is reported when
 * P(F ≥ f) < α_flaky / (number of such cases) (Bonferroni: at most α_flaky false reports per run)
 * and it failed in this run. Reported per case.
 *
 * `window` is this run's predecessors (newest first) that make up the window; `baseline` the
 * runs before them.
 */
export function flakyFindings(
  run: RunPoint,
  window: readonly RunPoint[],
  baseline: readonly RunPoint[],
  policy: DetectionPolicy,
): Finding[] {
  const base = new Map<string, { passes: number; scored: number }>();
  for (const r of baseline) {
    for (const c of r.cases) {
      const t = base.get(c.id) ?? { passes: 0, scored: 0 };
      t.passes += c.passes;
      t.scored += c.scored;
      base.set(c.id, t);
    }
  }
  const always = [...base].filter(([, t]) => t.scored >= policy.flakyMinTrials && t.passes === t.scored);
  if (always.length === 0) return [];
  const level = policy.alpha.flaky / always.length;
  const out: Finding[] = [];
  for (const [id, t] of always) {
    const now = run.cases.find((c) => c.id === id);
    if (!now || now.scored === now.passes) continue;
    let failures = now.scored - now.passes;
    let scored = now.scored;
    for (const r of window) {
      const c = r.cases.find((x) => x.id === id);
      if (c) {
        failures += c.scored - c.passes;
        scored += c.scored;
      }
    }
    const p = upperTail(betaBinomialPmf(scored, 1, t.scored + 1), failures);
    if (!(p < level)) continue;
    out.push({
      detector: "flaky",
      job: run.job,
      agent: run.agent,
      severity: "warning",
      caseId: id,
      summary: `case ${id} became flaky: ${failures} failures in its last ${scored} trials (${window.length + 1} runs) after passing all ${t.scored} baseline trials (p = ${prob(p)})`,
      evidence: {
        case: id,
        failures,
        trials: scored,
        windowRuns: window.length + 1,
        baselineTrials: t.scored,
        p: round(p),
        level: round(level),
        runId: run.id,
      },
    });
  }
  return out;
}
