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
 * Shares of the false-alarm budget. The sudden drop gets most of it: it is the detector whose
 * power is scarcest (one run of K × N trials against a 10-point drop), and its conditional exact
 * test spends its share in full, where the others' discrete, conservative tests spend a fraction
 * of theirs. The CUSUM needs little (its power grows with every run, and ARL₁ depends only
 * logarithmically on ARL₀). Spend, latency and errors look for large effects, which stay
 * detectable at small α.
 */
export const BUDGET_SHARES = {
  drop: 0.9,
  drift: 0.05,
  flaky: 0.02,
  spend: 0.0075,
  runaway: 0.0075,
  latency: 0.0075,
  errors: 0.0075,
} as const;

export type BudgetedDetector = keyof typeof BUDGET_SHARES;

/** Everything the detectors need to decide, resolved from a job's `alerts` options. */
export interface DetectionPolicy {
  /** Expected runs between false alerts (all detectors together). */
  falseAlarmRuns: number;
  /** Per-run false-alarm probability of each detector. */
  alpha: Record<BudgetedDetector, number>;
  /** One-sided normal quantile the standardised drop must pass when the baseline is overdispersed (the z-test fallback). */
  dropZ: number;
  /** The drop the conditional test is aimed at (points of pass rate) and how its weights lean (see stratifiedDropTest). */
  dropDelta: number;
  dropTilt: number;
  /**
   * Runs pooled by the sudden-drop test: 1 (this run alone) and, for jobs that run more than
   * hourly, the last 2, 4 and 8 runs within an hour, so a frequent job pages a drop within
   * minutes whatever one run's size. α_drop is split evenly over them.
   */
  dropWindows: number[];
  /** Level of the "still below the reference" check that keeps an open accuracy incident firing. */
  continueAlpha: number;
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

/** The sudden drop's target: a 10-point fall in pass rate, the size the DESIGN's figures use. */
export const DROP_DELTA = 0.1;
/**
 * Weights of the conditional test, between equal (0, best against a logit-shaped drop) and the
 * likelihood ratio of an additive drop (1). Neither shape is known in advance: at K = 40 × N = 5
 * and α = 1/900, tilt 0 catches 75% of either shape's 10-point drop on the first run, tilt 1
 * catches 87% of additive drops but 65% of logit-shaped ones, and 0.7 catches 86% and 73%
 * (`npm run bench -- detection --sweep`). It is the one number here chosen by simulation.
 */
export const DROP_TILT = 0.75;
/** An open incident stays firing while a run still shows a drop against its reference at this level. */
export const CONTINUE_ALPHA = 0.05;

/** CUSUM reference value k = 0.5σ: the chart is tuned to a sustained drop of one standard error per run, the smallest that a single run cannot see but a day of runs can. */
export const CUSUM_K = 0.5;
/** The baseline needs at least this many runs; before that only the fixed floor, errors and model changes are checked. */
export const MIN_BASELINE_RUNS = 6;
/** A robust spread from fewer runs is too noisy to widen the model's; below this the model's spread alone is used. */
export const MIN_EMPIRICAL_RUNS = 12;
const FLAKY_WINDOW = 6;
const FLAKY_MIN_TRIALS = 20;
const MONTH_MS = 30 * 86_400_000;

// runsPerMonth walks 48 cron slots (milliseconds with a time zone), and each run asks twice (its
// summary's power, then its detectors): remembered per schedule, zone and hour.
const perMonthMemo = new Map<string, number>();
const MEMO_CAP = 256;

/** Runs a schedule makes in 30 days (from the mean gap of its next 48 slots after `from`). */
export function runsPerMonth(schedule: string, timezone: string, from: Date): number {
  const key = `${schedule}\u0000${timezone}\u0000${Math.floor(from.getTime() / 3_600_000)}`;
  const known = perMonthMemo.get(key);
  if (known !== undefined) return known;
  if (perMonthMemo.size >= MEMO_CAP) perMonthMemo.clear();
  const rate = slotsPerMonth(schedule, timezone, from);
  perMonthMemo.set(key, rate);
  return rate;
}

function slotsPerMonth(schedule: string, timezone: string, from: Date): number {
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
  const perMonth = runsPerMonth(job.schedule, job.timezone, from);
  const falseAlarmRuns = a.false_alarm_runs ?? Math.max(720, Math.round(perMonth));
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
    dropDelta: DROP_DELTA,
    dropTilt: DROP_TILT,
    dropWindows: dropWindows(perMonth),
    continueAlpha: CONTINUE_ALPHA,
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

/** Window sizes for the sudden-drop test: 1, then 2, 4 and 8 while that many runs fit in an hour. */
export function dropWindows(runsPerMonthValue: number): number[] {
  const perHour = runsPerMonthValue / 720;
  return [1, 2, 4, 8].filter((w) => w === 1 || w <= perHour + 1e-9);
}

/** The sudden-drop test's level for one run and the baseline it is judged against (for the power a run summary states). */
export function pagingDesign(policy: DetectionPolicy): { alpha: number; baselineRuns: number } {
  return { alpha: policy.alpha.drop / policy.dropWindows.length, baselineRuns: policy.baselineRuns };
}

/** What history the detectors load: the newest `recent` runs, and enough runs outside incidents to fill a baseline behind its guard. */
export interface HistoryNeed {
  recent: number;
  clear: number;
}

/** How much of a job's history the detectors need (see HistoryNeed). */
export function historyNeeded(policy: DetectionPolicy): HistoryNeed {
  return {
    recent: policy.baselineGuard + policy.baselineRuns + policy.flakyWindow + 1,
    // An incident of any length leaves the baseline whole: its runs are skipped, not counted.
    clear: policy.baselineGuard + policy.baselineRuns,
  };
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
