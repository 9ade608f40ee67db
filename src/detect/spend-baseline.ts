// The seasonal baseline of one agent's production spend at one moment: what it usually spends per
// minute at this time of day and of week, and how much that usually varies. Pure; read by
// src/detect/production-spend.ts, the spend-watch worker and the simulation alike.

import { median } from "../stats/robust.ts";

/** Makes a median absolute deviation a consistent estimate of σ for normal data. */
const MAD_TO_SD = 1.4826;

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** One minute of an agent's spend, summed over its services, providers and models. */
export interface SpendPoint {
  costUsd: number;
  /** Input plus output tokens. */
  tokens: number;
  calls: number;
  /** Calls of a model without a price: their tokens count, their cost is unknown. */
  unpricedCalls: number;
}

/** An agent's minutes by start (ms since the epoch, a whole minute); undefined: nothing was spent. */
export type SpendSeries = (minuteMs: number) => SpendPoint | undefined;

/** What is compared: USD, or tokens when any call in sight had no price (cost would undercount). */
export type Measure = "cost" | "tokens";

export const valueOf = (p: SpendPoint | undefined, m: Measure): number => (p ? (m === "cost" ? p.costUsd : p.tokens) : 0);

/**
 * Each past slot spans 30 minutes centred on now's time of day: centred, so a morning ramp (close
 * to linear over half an hour) averages to its level at now.
 */
export const SLOT_HALF_MINUTES = 15;
/**
 * Days of slots read: four weeks, so the baseline has the same time of week in each of the last 4
 * weeks, and each of the last 14 days can be checked against the baseline it would have had.
 */
export const SLOT_DAYS = 28;
const WEEK_DAYS = 7;
/**
 * Past days whose level is checked against the baseline they would have had: 14, the most whose
 * baseline still has 2 earlier weeks within SLOT_DAYS. (7 left the spread's estimate noisy enough
 * to vary ±40% between agents with the same traffic in bench/spend-sim.ts.)
 */
const ERROR_DAYS = 14;
/**
 * Spread assumed below 3 checked past days (fewer than 4 days of history): ±65%, since a new
 * agent's traffic often still grows day by day; only jumps of about 10× page that early.
 */
export const PRIOR_SIGMA = 0.5;
/** Past days checked against their baseline before the spread is measured rather than PRIOR_SIGMA. */
export const MIN_CHECKED_DAYS = 3;
/** Traffic never repeats its level more closely than ±10% day to day, however regular it looked. */
export const SIGMA_FLOOR = 0.1;
/** Variance of a minute's spend over (calls × mean cost per call) when history cannot tell: lognormal costs with σ ≈ 1.1. */
export const KAPPA_PRIOR = 3;
/** Calls a slot needs before its minute-to-minute variance says anything about dispersion. */
const KAPPA_MIN_CALLS = 10;

/** One past slot's totals. */
export interface Slot {
  daysAgo: number;
  minutes: number;
  total: number;
  calls: number;
  /** Sum over the slot's minutes of the squared per-minute value (for its variance). */
  sumSq: number;
}

/** Sums `minutes` whole minutes from `startMs` of one measure. */
export function slotTotals(series: SpendSeries, measure: Measure, startMs: number, minutes: number, daysAgo: number): Slot {
  let total = 0;
  let calls = 0;
  let sumSq = 0;
  for (let i = 0; i < minutes; i++) {
    const p = series(startMs + i * MINUTE_MS);
    const v = valueOf(p, measure);
    total += v;
    sumSq += v * v;
    calls += p?.calls ?? 0;
  }
  return { daysAgo, minutes, total, calls, sumSq };
}

/** The minute `nowMs` falls in. */
export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** Where the slot `daysAgo` days before now begins. */
export const slotStart = (nowMs: number, daysAgo: number): number => minuteOf(nowMs - daysAgo * DAY_MS) - SLOT_HALF_MINUTES * MINUTE_MS;

/**
 * The slots around now's time of day on each of the last SLOT_DAYS days, by days ago. A slot that
 * begins before the agent's first minute is left out: no rows there means no history, not no spend.
 */
export function historySlots(series: SpendSeries, measure: Measure, nowMs: number, firstSeenMs: number): Map<number, Slot> {
  const out = new Map<number, Slot>();
  for (let d = 1; d <= SLOT_DAYS; d++) {
    const start = slotStart(nowMs, d);
    if (start >= firstSeenMs) out.set(d, slotTotals(series, measure, start, 2 * SLOT_HALF_MINUTES, d));
  }
  return out;
}

/** Whole days of history before now (the agent's first minute on). */
export const historyDays = (nowMs: number, firstSeenMs: number | null): number =>
  firstSeenMs === null ? 0 : Math.max(0, Math.floor((nowMs - firstSeenMs) / DAY_MS));

/** What the agent usually spends at this time of day and week, and how much that varies. */
export interface SeasonalBaseline {
  /** Expected measure per minute now. */
  rate: number;
  /** Expected calls per minute now. */
  callRate: number;
  /** Measure per call over the past slots (the pseudo call an idle slot carries). */
  perCall: number;
  /** Dispersion of a minute's spend relative to compound-Poisson counting (≥ 1). */
  kappa: number;
  /** How far a day's level strays from its baseline (log scale), counting noise removed. */
  sigmaLevel: number;
  /** Past days checked against their own baseline for sigmaLevel (below 3: PRIOR_SIGMA, the spread is assumed). */
  checkedDays: number;
  /** Past days (of the last 7) with a slot, and past weeks (of the last 4) at this time of week. */
  days: number;
  weeks: number;
}

/** Dispersion κ = Var(minute) / (mean(minute) × cost per call): 1 for Poisson calls of a fixed cost. */
export function slotKappa(s: Slot): number | undefined {
  if (s.calls < KAPPA_MIN_CALLS || s.total <= 0 || s.minutes < 2) return undefined;
  const mean = s.total / s.minutes;
  const variance = Math.max(0, (s.sumSq - s.minutes * mean * mean) / (s.minutes - 1));
  return variance / (mean * (s.total / s.calls));
}

/**
 * The baseline level `d` days ago from the slots before it (d = 0: now). With 2 or more earlier
 * weeks, the median of the same time of week (weekly seasonality exactly: a quiet weekend is judged
 * against past weekends, not weekdays). Before that, the larger of the median of the 7 days before
 * and the one earlier week, if any: an upward-only detector may take the larger while weekly
 * history is thin, so a weekend busier than weekdays does not page. A median ignores an earlier
 * incident on a minority of the days. Undefined without an earlier day.
 */
export function levelAt(slots: ReadonlyMap<number, Slot>, d: number, of: (s: Slot) => number): number | undefined {
  const pick = (ds: number[]) => ds.map((x) => slots.get(x)).filter((s): s is Slot => s !== undefined);
  const weekly = pick([1, 2, 3, 4].map((k) => d + k * WEEK_DAYS));
  if (weekly.length >= 2) return median(weekly.map(of));
  const daily = pick(Array.from({ length: WEEK_DAYS }, (_, i) => d + 1 + i));
  if (daily.length === 0) return undefined;
  return Math.max(median(daily.map(of)), ...weekly.map(of));
}

/**
 * The seasonal baseline from the past slots, or null without a past day's slot (cold start).
 * - Level: levelAt(0). Each slot's rate carries one pseudo call (at the mean cost per call), so
 *   an hour the agent is usually idle has a small positive baseline instead of zero.
 * - Spread: the baseline's own prediction error. Each of the last 14 days is compared with the
 *   level levelAt would have given it; 1.4826 × the median absolute log error (around 0, so a
 *   steady trend counts as error) needs 3 such days, else PRIOR_SIGMA. Less the slots' 30-minute
 *   counting noise (the window adds its own), floored at SIGMA_FLOOR. It contains the baseline
 *   median's uncertainty and the weekly pattern it does not capture, and nothing it does.
 */
export function seasonalBaseline(slots: ReadonlyMap<number, Slot>, fallbackPerCall: number): SeasonalBaseline | null {
  const all = [...slots.values()];
  const calls = all.reduce((a, s) => a + s.calls, 0);
  const perCall = calls > 0 ? all.reduce((a, s) => a + s.total, 0) / calls : fallbackPerCall;
  const rateOf = (s: Slot) => (s.total + perCall) / s.minutes;
  const callRateOf = (s: Slot) => (s.calls + 1) / s.minutes;
  const rate = levelAt(slots, 0, rateOf);
  if (rate === undefined) return null;
  // The same slots as the rate's, so defined too.
  const callRate = levelAt(slots, 0, callRateOf)!;
  const kappas = all.map(slotKappa).filter((k): k is number => k !== undefined);
  const kappa = Math.max(1, kappas.length > 0 ? median(kappas) : KAPPA_PRIOR);
  const errors: number[] = [];
  for (let d = 1; d <= ERROR_DAYS; d++) {
    const s = slots.get(d);
    const predicted = levelAt(slots, d, rateOf);
    if (s && predicted !== undefined) errors.push(Math.abs(Math.log(rateOf(s) / predicted)));
  }
  const spread = errors.length >= MIN_CHECKED_DAYS ? MAD_TO_SD * median(errors) : PRIOR_SIGMA;
  const slotCounting = Math.log1p(kappa / (callRate * 2 * SLOT_HALF_MINUTES));
  const sigmaLevel = Math.sqrt(Math.max(SIGMA_FLOOR ** 2, spread ** 2 - slotCounting));
  const days = [1, 2, 3, 4, 5, 6, 7].filter((d) => slots.has(d)).length;
  const weeks = [7, 14, 21, 28].filter((d) => slots.has(d)).length;
  return { rate, callRate, perCall, kappa, sigmaLevel, checkedDays: errors.length, days, weeks };
}

/** Today's level is read over [now's minute − 15, now's minute − 3): 12 whole minutes inside the past days' slots. */
export const LOCAL_REF_FROM_MINUTES = 15;
export const LOCAL_REF_TO_MINUTES = 3;

/** Today's recent level against what the same minutes usually hold. */
export interface LocalLevel {
  /** Observed over expected in the reference minutes (1: a usual day). */
  factor: number;
  /** Calls the reference minutes usually hold (its counting noise). */
  expectedCalls: number;
}

/**
 * How busy today is running, from the quarter hour before now: what the reference minutes
 * (LOCAL_REF_*) hold today over what they held on past days (levelAt over the same minutes, so
 * a morning ramp is in the expectation). Undefined when today's reference minutes or every past
 * day's begin before the agent's first minute.
 */
export function localLevel(
  series: SpendSeries,
  measure: Measure,
  nowMs: number,
  firstSeenMs: number,
  perCall: number,
): LocalLevel | undefined {
  const minutes = LOCAL_REF_FROM_MINUTES - LOCAL_REF_TO_MINUTES;
  const start = minuteOf(nowMs) - LOCAL_REF_FROM_MINUTES * MINUTE_MS;
  if (start < firstSeenMs) return undefined;
  const past = new Map<number, Slot>();
  for (let d = 1; d <= SLOT_DAYS; d++) {
    const from = start - d * DAY_MS;
    if (from >= firstSeenMs) past.set(d, slotTotals(series, measure, from, minutes, d));
  }
  const expected = levelAt(past, 0, (s) => s.total + perCall);
  if (expected === undefined) return undefined;
  const today = slotTotals(series, measure, start, minutes, 0);
  // The same slots as the expectation's, so defined too.
  const expectedCalls = levelAt(past, 0, (s) => s.calls + 1)!;
  return { factor: today.total / expected, expectedCalls };
}
