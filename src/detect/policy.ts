// Every detection threshold, derived from one number: the expected runs between false alerts.
//
// Derivation. A job that runs R times between false alerts may raise a false alert with
// probability B = 1/R per run, summed over its detectors (a union bound: the detectors'
// false alarms rarely coincide, so the real rate is a little lower). B is split into shares,
// one per detector that noise alone can trip; each detector then fires on evidence at level
// αᵢ = shareᵢ·B, so Σ αᵢ = B. Detectors with per-case tests split their αᵢ again over the cases
// (Bonferroni). The slow-drift CUSUM is given an in-control average run length ARL₀ = 1/α_drift
// and its decision interval h solves ARL(k, h) = ARL₀ (Siegmund's approximation). Nothing here
// is tuned to a simulation; bench/detection.ts measures what these choices give.
//
// The default R is a month of runs and never below 720 (an hourly job: one false page a month,
// the DESIGN's "about one false page a month or fewer"); a job every 5 minutes gets R = 8640.
import { Cron } from "croner";
import type { JobConfig } from "../config/schema.ts";
import { cusumHForArl0 } from "../stats/control.ts";
import { normalQuantile, tQuantile } from "../stats/distributions.ts";

/**
 * Shares of the false-alarm budget. The sudden drop gets half: it is the detector whose power is
 * scarcest (one run of K × N trials against a 10-point drop). The CUSUM needs little (its power
 * grows with every run, and ARL₁ depends only logarithmically on ARL₀). Spend, latency and
 * errors look for large effects, which stay detectable at small α.
 */
export const BUDGET_SHARES = {
  drop: 0.5,
  drift: 0.2,
  flaky: 0.1,
  spend: 0.05,
  runaway: 0.05,
  latency: 0.05,
  errors: 0.05,
} as const;

export type BudgetedDetector = keyof typeof BUDGET_SHARES;

/** Everything the detectors need to decide, resolved from a job's `alerts` options. */
export interface DetectionPolicy {
  /** Expected runs between false alerts (all detectors together). */
  falseAlarmRuns: number;
  /** Per-run false-alarm probability of each detector. */
  alpha: Record<BudgetedDetector, number>;
  /** One-sided normal quantile the standardised drop must pass for a sudden-drop finding. */
  dropZ: number;
  /** CUSUM reference value and decision interval (σ units) and the ARL₀ h was solved for. */
  cusum: { k: number; h: number; arl0: number };
  /** Runs in the baseline window, and the fewest that make a baseline at all. */
  baselineRuns: number;
  /** Newest runs kept out of the baseline once the history is long enough (see selectBaseline). */
  baselineGuard: number;
  minBaselineRuns: number;
  /** Baseline runs needed before the empirical (robust) spread is trusted next to the model's. */
  minEmpiricalRuns: number;
  /** Recent runs a flaky case is judged over (the current run and the ones before it). */
  flakyWindow: number;
  /** Baseline trials a case needs before "it always passed" means something. */
  flakyMinTrials: number;
  drift: boolean;
  accuracyBelow: number | undefined;
  spendGrowth: number;
  latencyGrowth: number;
  errorRateAbove: number;
}

/** CUSUM reference value k = 0.5σ: the chart is tuned to a sustained drop of one standard error per run, the smallest that a single run cannot see but a day of runs can. */
export const CUSUM_K = 0.5;
/** The baseline needs at least this many runs; before that only the fixed floor, errors and model changes are checked. */
export const MIN_BASELINE_RUNS = 6;
/** A robust spread from fewer runs is too noisy to widen the model's; below this the model's spread alone is used. */
export const MIN_EMPIRICAL_RUNS = 12;
const FLAKY_WINDOW = 6;
const FLAKY_MIN_TRIALS = 20;
const MONTH_MS = 30 * 86_400_000;

/** Runs a schedule makes in 30 days (from the mean gap of its next 48 slots after `from`). */
export function runsPerMonth(schedule: string, timezone: string, from: Date): number {
  try {
    const cron = new Cron(schedule, { timezone, paused: true });
    const next = cron.nextRuns(48, from);
    cron.stop();
    if (next.length < 2) return 0;
    const gap = (next[next.length - 1]!.getTime() - next[0]!.getTime()) / (next.length - 1);
    return gap > 0 ? MONTH_MS / gap : 0;
  } catch {
    return 0;
  }
}

/** The job's detection policy (pure; `from` only locates the schedule for its run rate). */
export function resolvePolicy(job: Pick<JobConfig, "alerts" | "schedule" | "timezone">, from: Date = new Date(0)): DetectionPolicy {
  const a = job.alerts;
  const falseAlarmRuns = a.false_alarm_runs ?? Math.max(720, Math.round(runsPerMonth(job.schedule, job.timezone, from)));
  const budget = 1 / falseAlarmRuns;
  const alpha = Object.fromEntries(Object.entries(BUDGET_SHARES).map(([k, share]) => [k, share * budget])) as Record<
    BudgetedDetector,
    number
  >;
  const arl0 = 1 / alpha.drift;
  return {
    falseAlarmRuns,
    alpha,
    dropZ: normalQuantile(1 - alpha.drop),
    cusum: { k: CUSUM_K, h: cusumHForArl0(arl0, CUSUM_K), arl0 },
    baselineRuns: a.baseline_runs,
    // Half a window: twice the CUSUM's median time to catch a sustained drop of one standard error.
    baselineGuard: Math.floor(a.baseline_runs / 2),
    minBaselineRuns: MIN_BASELINE_RUNS,
    minEmpiricalRuns: MIN_EMPIRICAL_RUNS,
    flakyWindow: FLAKY_WINDOW,
    flakyMinTrials: FLAKY_MIN_TRIALS,
    drift: a.drift,
    accuracyBelow: a.accuracy_below,
    spendGrowth: a.spend_growth,
    latencyGrowth: a.latency_growth,
    errorRateAbove: a.error_rate_above,
  };
}

/** How many of a job's newest completed runs the detectors need to load. */
export function historyNeeded(policy: DetectionPolicy): number {
  return policy.baselineGuard + policy.baselineRuns + policy.flakyWindow + 1;
}

/**
 * Threshold for a modified z-score (median/MAD) at one-sided level α from a baseline of n runs.
 * The MAD is a noisy scale (about 37% efficient against the SD for normal data), so the score is
 * referred to Student's t with 0.37·(n − 1) degrees of freedom rather than to the normal, which
 * would understate its tails for the short baselines a new job has.
 */
export function robustZThreshold(alpha: number, n: number): number {
  const df = Math.max(1, 0.37 * (n - 1));
  return tQuantile(1 - alpha, df);
}
