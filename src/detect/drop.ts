import { stratifiedDropTest, type Stratum } from "../stats/stratified.ts";
import { caseTotals, type AccuracyComparison, type CaseTotals } from "./accuracy.ts";
import { pct, points, prob, round } from "./format.ts";
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
 * True when the baseline's runs vary more than coin flips explain: the robust spread of its
 * leave-one-out drops beyond the binomial model's by more than a one-sided 1% margin for a MAD
 * from that many runs (its relative standard error is 1.166/√n for normal data). Then the
 * conditional test, which assumes trials are the only noise, would over-alert, and the z-test on
 * the empirical spread decides instead.
 */
export function overdispersed(cmp: AccuracyComparison, baselineRuns: number): boolean {
  if (cmp.sigmaEmpirical === null || cmp.sigmaModel <= 0 || baselineRuns < 2) return false;
  return cmp.sigmaEmpirical > cmp.sigmaModel * (1 + (2.326 * 1.166) / Math.sqrt(baselineRuns));
}

/**
 * The lower α-quantile of the standardised drop for the z-test fallback: the normal quantile
 * −z_α corrected for the drop's skewness γ by Cornish–Fisher, −z_α + (z_α² − 1)·γ/6.
 */
export function dropThreshold(cmp: AccuracyComparison, policy: DetectionPolicy): number {
  const z = policy.dropZ;
  const gamma = Math.max(-1, Math.min(1, cmp.skew));
  return -z + ((z * z - 1) * gamma) / 6;
}

/** One window of the sudden-drop test: the newest `runs` runs pooled against the baseline. */
export interface WindowTest {
  runs: number;
  p: number;
  /** The level this window pages at. */
  alpha: number;
  /** Mean per-case pass rate over the window and over the baseline (the same cases). */
  now: number;
  baseline: number;
  failsNow: number;
  expectedFails: number;
}

function strataOf(window: Map<string, CaseTotals>, base: Map<string, CaseTotals>): { strata: Stratum[]; now: number; baseline: number } {
  const strata: Stratum[] = [];
  let now = 0;
  let baseline = 0;
  for (const [id, w] of window) {
    const b = base.get(id);
    if (!b || w.scored === 0 || b.scored === 0) continue;
    strata.push({ failsNow: w.scored - w.passes, scoredNow: w.scored, failsBase: b.scored - b.passes, scoredBase: b.scored });
    now += w.passes / w.scored;
    baseline += b.passes / b.scored;
  }
  const k = Math.max(1, strata.length);
  return { strata, now: now / k, baseline: baseline / k };
}

/**
 * The conditional exact test (src/stats/stratified.ts) of the newest runs against the baseline,
 * once per window of `policy.dropWindows` that the recent runs fill: `recent` are the completed
 * runs before this one that are not in the baseline, newest first. Each window pages at
 * α_drop / (number of windows), so the job's false-alarm share holds whichever window fires.
 */
export function windowTests(
  current: RunPoint,
  recent: readonly RunPoint[],
  baseline: readonly RunPoint[],
  policy: DetectionPolicy,
  alpha: number = policy.alpha.drop / policy.dropWindows.length,
): WindowTest[] {
  const base = caseTotals(baseline);
  const out: WindowTest[] = [];
  for (const w of policy.dropWindows) {
    if (w - 1 > recent.length) break;
    const pooled = caseTotals([current, ...recent.slice(0, w - 1)]);
    const { strata, now, baseline: b } = strataOf(pooled, base);
    const t = stratifiedDropTest(strata, { delta: policy.dropDelta, tilt: policy.dropTilt });
    out.push({ runs: w, p: t.p, alpha, now, baseline: b, failsNow: t.failsNow, expectedFails: t.expectedFails });
  }
  return out;
}

const over = (w: WindowTest) => (w.runs === 1 ? "this run" : `the last ${w.runs} runs`);

/**
 * Sudden drop: the conditional exact test fires in some window (p below its share of α_drop).
 * The finding reports the window with the smallest p relative to its level. When the baseline is
 * overdispersed, the z-test on the empirical spread decides instead (one run, α_drop).
 */
export function suddenDropFinding(
  run: RunPoint,
  cmp: AccuracyComparison,
  tests: readonly WindowTest[],
  baselineRuns: number,
  policy: DetectionPolicy,
): Finding | undefined {
  const base = { detector: "drop", job: run.job, agent: run.agent, severity: "critical" as const };
  if (overdispersed(cmp, baselineRuns)) {
    const threshold = dropThreshold(cmp, policy);
    if (!(cmp.z < threshold)) return undefined;
    return {
      ...base,
      summary: `accuracy dropped ${points(cmp.drop)} to ${pct(cmp.now)} against the baseline's ${pct(cmp.baseline)} (${(-cmp.z).toFixed(1)}σ of the baseline's own spread; pages beyond ${(-threshold).toFixed(2)}σ)`,
      evidence: {
        ...accuracyEvidence(cmp, baselineRuns),
        test: "z-empirical",
        threshold: round(threshold),
        skew: round(cmp.skew),
        alpha: round(policy.alpha.drop),
        runId: run.id,
      },
    };
  }
  const fired = tests.filter((t) => t.p < t.alpha).sort((a, b) => a.p / a.alpha - b.p / b.alpha)[0];
  if (!fired) return undefined;
  return {
    ...base,
    summary: `accuracy dropped ${points(fired.now - fired.baseline)} to ${pct(fired.now)} over ${over(fired)} against the baseline's ${pct(fired.baseline)} (${fired.failsNow} failures where ${fired.expectedFails.toFixed(1)} were expected; p = ${prob(fired.p)}, pages below ${prob(fired.alpha)})`,
    evidence: {
      ...accuracyEvidence(cmp, baselineRuns),
      test: "conditional-exact",
      windowRuns: fired.runs,
      windowAccuracy: round(fired.now),
      windowBaseline: round(fired.baseline),
      failsNow: fired.failsNow,
      expectedFails: round(fired.expectedFails),
      p: round(fired.p),
      alpha: round(fired.alpha),
      runId: run.id,
    },
  };
}

/**
 * An open accuracy incident continues while this run still shows a drop against the incident's
 * reference (the baseline before it began, which the incident's runs never enter) at the lenient
 * `continueAlpha`: a lasting 10-point drop keeps its alert firing run after run instead of
 * flickering out on the odd run the sudden-drop test misses.
 */
export function continuedDropFinding(
  run: RunPoint,
  cmp: AccuracyComparison,
  test: WindowTest | undefined,
  baselineRuns: number,
  since: Date,
  policy: DetectionPolicy,
): Finding | undefined {
  if (!test || !(test.p < policy.continueAlpha)) return undefined;
  return {
    detector: "drop",
    job: run.job,
    agent: run.agent,
    severity: "critical",
    summary: `accuracy still below its reference: ${pct(test.now)} against ${pct(test.baseline)} (${points(test.now - test.baseline)}; p = ${prob(test.p)}), since ${since.toISOString()}`,
    evidence: {
      ...accuracyEvidence(cmp, baselineRuns),
      test: "conditional-exact",
      continued: true,
      incidentSince: since.toISOString(),
      windowRuns: 1,
      windowAccuracy: round(test.now),
      windowBaseline: round(test.baseline),
      p: round(test.p),
      alpha: policy.continueAlpha,
      runId: run.id,
    },
  };
}
