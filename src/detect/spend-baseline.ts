// The seasonal baseline of one agent's production spend at one moment: what it usually spends per
// minute at this time of day and of week, and how much that usually varies. Pure; read by
// src/detect/production-spend.ts, the spend-watch worker and the simulation alike.

import { madScaled, median } from "../stats/robust.ts";

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
/** Daily seasonality: the same time of day on each of the last 7 days. */
export const DAILY_OFFSETS = [1, 2, 3, 4, 5, 6, 7] as const;
/** Weekly seasonality: the same time of week in each of the last 4 weeks. */
export const WEEKLY_OFFSETS = [7, 14, 21, 28] as const;
/**
 * Day-to-day variation of the log level assumed below 3 past days (too few for a MAD): ±35%, wide
 * enough that on the first two days only jumps of about 10× page.
 */
export const PRIOR_SIGMA = 0.3;
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

/**
 * The past slots around now's time of day (daily) and time of week (weekly). A slot that begins
 * before the agent's first minute is left out: no rows there means no history, not no spend.
 */
export function historySlots(series: SpendSeries, measure: Measure, nowMs: number, firstSeenMs: number): { daily: Slot[]; weekly: Slot[] } {
  const at = (d: number): Slot | undefined => {
    const start = minuteOf(nowMs - d * DAY_MS) - SLOT_HALF_MINUTES * MINUTE_MS;
    return start >= firstSeenMs ? slotTotals(series, measure, start, 2 * SLOT_HALF_MINUTES, d) : undefined;
  };
  const daily = DAILY_OFFSETS.map(at).filter((s): s is Slot => s !== undefined);
  const weekly = WEEKLY_OFFSETS.map(at).filter((s): s is Slot => s !== undefined);
  return { daily, weekly };
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
  /** Dispersion of a minute's spend relative to compound-Poisson counting (≥ 1). */
  kappa: number;
  /** Day-to-day variation of the log level, counting noise removed. */
  sigmaLevel: number;
  /** Uncertainty of the baseline median itself (log scale). */
  sigmaBase: number;
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

/** The median's variance is π/2 times the mean's for normal data. */
const MEDIAN_EFFICIENCY = Math.PI / 2;

/**
 * The seasonal baseline from the past slots, or null without a daily slot (cold start).
 * - Level: with 2 or more past weeks, the median of the same time of week (weekly seasonality
 *   exactly: a quiet weekend is judged against past weekends, not weekdays); before that, the
 *   larger of the daily slots' median and last week's slot, since an upward-only detector may take
 *   the larger while weekly history is thin (a weekend busier than weekdays does not page). A
 *   median ignores an earlier incident on a minority of the days.
 * - Each slot's rate carries one pseudo call (at the mean cost per call), so an hour the agent is
 *   usually idle has a small positive baseline instead of zero.
 * - Spread: MAD of the daily slots' log rates (day-to-day variation), minus the slots' own
 *   counting noise, floored; the median's own uncertainty from the same spread over its slots.
 */
export function seasonalBaseline(daily: readonly Slot[], weekly: readonly Slot[], fallbackPerCall: number): SeasonalBaseline | null {
  if (daily.length === 0) return null;
  const all = [...daily, ...weekly];
  const calls = all.reduce((a, s) => a + s.calls, 0);
  const perCall = calls > 0 ? all.reduce((a, s) => a + s.total, 0) / calls : fallbackPerCall;
  const rateOf = (s: Slot) => (s.total + perCall) / s.minutes;
  const callRateOf = (s: Slot) => (s.calls + 1) / s.minutes;
  const level = (of: (s: Slot) => number) =>
    weekly.length >= 2 ? median(weekly.map(of)) : Math.max(median(daily.map(of)), ...weekly.map(of));
  const rate = level(rateOf);
  const callRate = level(callRateOf);
  const kappas = all.map(slotKappa).filter((k): k is number => k !== undefined);
  const kappa = Math.max(1, kappas.length > 0 ? median(kappas) : KAPPA_PRIOR);
  const k = daily.length;
  const spread = k >= 3 ? madScaled(daily.map((s) => Math.log(rateOf(s)))) : PRIOR_SIGMA;
  const slotCounting = Math.log1p(kappa / (callRate * 2 * SLOT_HALF_MINUTES));
  const sigmaLevel = Math.sqrt(Math.max(SIGMA_FLOOR ** 2, spread ** 2 - slotCounting));
  const sigmaBase = Math.sqrt((MEDIAN_EFFICIENCY * Math.max(spread, SIGMA_FLOOR) ** 2) / (weekly.length >= 2 ? weekly.length : k));
  return { rate, callRate, kappa, sigmaLevel, sigmaBase, days: k, weeks: weekly.length };
}
