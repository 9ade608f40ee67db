// Runaway production spend: one agent's last minutes against its seasonal baseline, and against
// an absolute cap. Pure: the spend-watch worker and bench/spend-sim.ts call the same function.

import { normalQuantile } from "../stats/distributions.ts";
import { ratio as formatRatio, round } from "./format.ts";
import {
  DAY_MS,
  historyDays,
  historySlots,
  localLevel,
  MIN_CHECKED_DAYS,
  MINUTE_MS,
  minuteOf,
  SLOT_DAYS,
  SIGMA_FLOOR,
  SLOT_HALF_MINUTES,
  slotStart,
  seasonalBaseline,
  valueOf,
  type LocalLevel,
  type Measure,
  type SeasonalBaseline,
  type SpendSeries,
} from "./spend-baseline.ts";
import type { Finding } from "./types.ts";

/** The alerts' job for an agent's production spend: one alert group (one Slack thread) per agent. */
export const spendJob = (agent: string): string => `production:${agent}`;

/** The statistical detector's name (one alert per agent). */
export const PRODUCTION_SPEND = "production-spend";
/** The absolute cap's (a second alert per agent, so a cap page is not hidden behind a firing jump). */
export const SPEND_CAP = "spend-cap";

/**
 * Windows compared with the baseline, in minutes, each ending now: 1 and 2 page a large jump at
 * volume within a minute or two; 5, 15 and 30 find it when a minute holds too few calls to tell.
 * (In bench/spend-sim.ts, 1/2/5/15/30 paged 5× jumps of agents at ≥ 20 calls a minute within two
 * minutes 81% of the time against 71% for 1/3/10/30, at the same false-page rate.)
 */
export const DEFAULT_WINDOWS: readonly number[] = [1, 2, 5, 15, 30];
/**
 * Windows also judged against today's own level (localLevel: the quarter hour before them). The
 * seasonal baseline must allow for how far a whole day strays from past days (σ 0.2–0.35 where
 * traffic wanders from day to day), which hid a 5× jump at 20–50 calls a minute for over two
 * minutes; today's level, read minutes before, leaves only counting noise and SIGMA_FLOOR.
 */
export const LOCAL_WINDOWS: readonly number[] = [1, 2];
/**
 * Today's level counts between 1 and 1.5× the baseline. Not below 1: an agent back from an outage
 * has an empty quarter hour behind it. Not above 1.5: a runaway that began in the reference minutes
 * must not become its own baseline (its page would resolve while it runs); a day busier than that
 * is itself a rise for the seasonal windows to judge.
 */
export const LOCAL_LEVEL_RANGE = [1, 1.5] as const;
/**
 * The current, partial minute counts as at least a quarter elapsed: spans stamped by a host clock up
 * to 15 s ahead of ours cannot make its first seconds look like a jump.
 */
export const SKEW_GUARD = 0.25;
/** Minutes the cap's hour sums (this minute and the 59 before). */
const HOUR_MINUTES = 60;

/** How the detector decides (resolved from `production_spend` in the config). */
export interface SpendPolicy {
  windows: readonly number[];
  /** Windows also judged against today's level (LOCAL_WINDOWS). */
  localWindows: readonly number[];
  /** z a window must reach (see pageThreshold). */
  threshold: number;
  /** Spend must also be at least this multiple of the baseline: significance alone is not a runaway. */
  minRatio: number;
  capUsdPerHour?: number | undefined;
  capUsdPerMinute?: number | undefined;
  severity: "warning" | "critical";
}

/**
 * The z threshold for a stated false-alarm rate: `falseAlarmsPer30Days` spread, Bonferroni-style,
 * over every check in 30 days (one per `checkIntervalMs`) × windows. Conservative: overlapping
 * windows and consecutive checks are strongly correlated, so the real rate is lower.
 */
export function pageThreshold(falseAlarmsPer30Days: number, checkIntervalMs: number, windows: number): number {
  const checks = ((30 * DAY_MS) / checkIntervalMs) * windows;
  if (!(falseAlarmsPer30Days > 0 && falseAlarmsPer30Days < checks))
    throw new RangeError(`false alarms per 30 days must be in (0, ${checks}), got ${falseAlarmsPer30Days}`);
  return normalQuantile(1 - falseAlarmsPer30Days / checks);
}

/** One window's comparison. */
export interface WindowCheck {
  minutes: number;
  observed: number;
  expected: number;
  ratio: number;
  /** log(ratio) over the total noise: level, baseline and counting. */
  z: number;
  expectedCalls: number;
  /** Judged against today's level (the factor it applied), or against the baseline alone (null). */
  todayLevel: number | null;
}

/** The minutes a window ending at `nowMs` covers, and how much of each it counts as observed and as expected. */
export function windowWeights(nowMs: number, minutes: number): { minuteMs: number; observed: number; expected: number }[] {
  const current = minuteOf(nowMs);
  const start = nowMs - minutes * MINUTE_MS;
  const out: { minuteMs: number; observed: number; expected: number }[] = [];
  for (let m = minuteOf(start); m < current; m += MINUTE_MS) {
    // Always above 0: m starts in the window and ends after its start, before now's minute.
    const overlap = (Math.min(m + MINUTE_MS, nowMs) - Math.max(m, start)) / MINUTE_MS;
    out.push({ minuteMs: m, observed: overlap, expected: overlap });
  }
  // All the current minute's spend so far is in the window; its expected part is what has elapsed.
  out.push({ minuteMs: current, observed: 1, expected: Math.max((nowMs - current) / MINUTE_MS, SKEW_GUARD) });
  return out;
}

/**
 * One window against the baseline. The noise of log(observed / expected) adds the baseline's
 * prediction error at this time of day and counting noise: for compound-Poisson
 * spend with dispersion κ over n expected calls, log(1 + κ/n) (lognormal moment match), so a quiet
 * agent's few calls never look like a jump. With today's level, the expectation is scaled by it
 * (within LOCAL_LEVEL_RANGE) and the day-to-day error gives way to SIGMA_FLOOR and the reference
 * minutes' own counting noise. Only once the spread is measured (MIN_CHECKED_DAYS), like 5× pages.
 */
export function checkWindow(
  series: SpendSeries,
  measure: Measure,
  nowMs: number,
  minutes: number,
  b: SeasonalBaseline,
  today?: LocalLevel,
): WindowCheck {
  let observed = 0;
  let weight = 0;
  for (const w of windowWeights(nowMs, minutes)) {
    observed += valueOf(series(w.minuteMs), measure) * w.observed;
    weight += w.expected;
  }
  const [lo, hi] = LOCAL_LEVEL_RANGE;
  const todayLevel = today ? Math.min(hi, Math.max(lo, today.factor)) : null;
  const expected = b.rate * weight * (todayLevel ?? 1);
  const expectedCalls = b.callRate * weight;
  const ratio = observed / expected;
  const level = today ? SIGMA_FLOOR ** 2 + Math.log1p(b.kappa / today.expectedCalls) : b.sigmaLevel ** 2;
  const variance = level + Math.log1p(b.kappa / expectedCalls);
  // Nothing observed: log 0 = −∞, never a page.
  const z = Math.log(ratio) / Math.sqrt(variance);
  return { minutes, observed, expected, ratio, z, expectedCalls, todayLevel };
}

/**
 * Tokens when any call in sight (the last hour, the history slots) had no price, else USD: an
 * unpriced model's spend is invisible in USD and must not look like a drop, nor hide a jump.
 */
export function chooseMeasure(series: SpendSeries, nowMs: number, firstSeenMs: number): Measure {
  const current = minuteOf(nowMs);
  const unpriced = (start: number, minutes: number) => {
    for (let i = 0; i < minutes; i++) if ((series(start + i * MINUTE_MS)?.unpricedCalls ?? 0) > 0) return true;
    return false;
  };
  if (unpriced(current - (HOUR_MINUTES - 1) * MINUTE_MS, HOUR_MINUTES)) return "tokens";
  for (let d = 1; d <= SLOT_DAYS; d++) {
    const start = slotStart(nowMs, d);
    if (start >= firstSeenMs && unpriced(start, 2 * SLOT_HALF_MINUTES)) return "tokens";
  }
  return "cost";
}

/** Priced spend in the last hour (this minute and the 59 before) and in the worse of this minute and the last. */
export function recentUsd(series: SpendSeries, nowMs: number): { hourUsd: number; minuteUsd: number; unpricedCalls: number } {
  const current = minuteOf(nowMs);
  let hourUsd = 0;
  let unpricedCalls = 0;
  for (let i = 0; i < HOUR_MINUTES; i++) {
    const p = series(current - i * MINUTE_MS);
    hourUsd += p?.costUsd ?? 0;
    unpricedCalls += p?.unpricedCalls ?? 0;
  }
  const minuteUsd = Math.max(series(current)?.costUsd ?? 0, series(current - MINUTE_MS)?.costUsd ?? 0);
  return { hourUsd, minuteUsd, unpricedCalls };
}

/** The last hour's mean spend per call: the baseline's pseudo call when no past slot had a call. */
export function recentPerCall(series: SpendSeries, nowMs: number, measure: Measure): number {
  let total = 0;
  let calls = 0;
  for (let i = 0; i < HOUR_MINUTES; i++) {
    const p = series(minuteOf(nowMs) - i * MINUTE_MS);
    total += valueOf(p, measure);
    calls += p?.calls ?? 0;
  }
  return calls > 0 ? total / calls : 0;
}

/** What one check of one agent came to. */
export interface SpendAssessment {
  /** cold: too little history for a baseline (only the cap applies); normal: no finding. */
  status: "cold" | "normal" | "runaway";
  measure: Measure;
  historyDays: number;
  baseline: SeasonalBaseline | null;
  windows: WindowCheck[];
  hourUsd: number;
  findings: Finding[];
}

/** One agent's check: its spend series, when it was first seen (null: never), now and the policy. */
export interface SpendInput {
  job: string;
  agent: string;
  nowMs: number;
  series: SpendSeries;
  firstSeenMs: number | null;
  policy: SpendPolicy;
}

const show = (x: number, m: Measure) => (m === "cost" ? `$${x.toFixed(x < 1 ? 4 : 2)}` : `${Math.round(x)} tokens`);

/**
 * Checks one agent: the absolute cap always; against the seasonal baseline once there is a past
 * day's slot (a day and 15 minutes of history). A window pages when it is at least `minRatio`
 * times the baseline AND its z reaches the threshold; the strongest such window is reported.
 * Without a finding the agent's spend is back to normal and its alerts resolve.
 */
export function assessSpend(input: SpendInput): SpendAssessment {
  const { series, nowMs, policy } = input;
  const base = { job: input.job, agent: input.agent, severity: policy.severity };
  const findings: Finding[] = [];
  const usd = recentUsd(series, nowMs);
  const cap = capFinding(usd, policy);
  if (cap) findings.push({ ...base, ...cap });

  const firstSeen = input.firstSeenMs ?? Number.POSITIVE_INFINITY;
  const measure = chooseMeasure(series, nowMs, firstSeen);
  const slots = historySlots(series, measure, nowMs, firstSeen);
  const baseline = seasonalBaseline(slots, recentPerCall(series, nowMs, measure));
  const days = historyDays(nowMs, input.firstSeenMs);
  const common = { measure, historyDays: days, baseline, hourUsd: usd.hourUsd };
  if (!baseline) return { status: findings.length ? "runaway" : "cold", windows: [], findings, ...common };

  // Not while the spread is assumed: a new agent's days can still grow several-fold.
  const today = baseline.checkedDays >= MIN_CHECKED_DAYS ? localLevel(series, measure, nowMs, firstSeen, baseline.perCall) : undefined;
  const windows = policy.windows.map((m) => checkWindow(series, measure, nowMs, m, baseline));
  if (today) windows.push(...policy.localWindows.map((m) => checkWindow(series, measure, nowMs, m, baseline, today)));
  const alarming = windows.filter((w) => w.ratio >= policy.minRatio && w.z >= policy.threshold);
  const worst = alarming.reduce<WindowCheck | undefined>((a, w) => (a && a.z >= w.z ? a : w), undefined);
  if (worst) {
    findings.push({
      ...base,
      detector: PRODUCTION_SPEND,
      summary:
        `production spend ${formatRatio(worst.ratio)} its usual for this time of day: ${show(worst.observed, measure)} ` +
        `in the last ${worst.minutes} min against ${show(worst.expected, measure)} expected`,
      evidence: {
        measure,
        windowMinutes: worst.minutes,
        todayLevel: worst.todayLevel === null ? null : round(worst.todayLevel),
        observed: round(worst.observed),
        expected: round(worst.expected),
        ratio: round(worst.ratio),
        z: round(worst.z),
        threshold: round(policy.threshold),
        minRatio: policy.minRatio,
        historyDays: days,
        baselineDays: baseline.days,
        baselineWeeks: baseline.weeks,
        sigmaLevel: round(baseline.sigmaLevel),
        hourUsd: round(usd.hourUsd),
      },
    });
  }
  return { status: findings.length ? "runaway" : "normal", windows, findings, ...common };
}

/** The absolute cap's finding, if the last hour or minute crossed it (priced spend only). */
export function capFinding(
  usd: { hourUsd: number; minuteUsd: number; unpricedCalls: number },
  policy: Pick<SpendPolicy, "capUsdPerHour" | "capUsdPerMinute">,
): Omit<Finding, "job" | "agent" | "severity"> | undefined {
  const hour = usd.hourUsd >= (policy.capUsdPerHour ?? Number.POSITIVE_INFINITY);
  const minute = usd.minuteUsd >= (policy.capUsdPerMinute ?? Number.POSITIVE_INFINITY);
  if (!hour && !minute) return undefined;
  const summary = hour
    ? `production spend $${usd.hourUsd.toFixed(2)} in the last hour, at or over the cap of $${policy.capUsdPerHour}/h`
    : `production spend $${usd.minuteUsd.toFixed(2)} in a minute, at or over the cap of $${policy.capUsdPerMinute}/min`;
  return {
    detector: SPEND_CAP,
    summary: usd.unpricedCalls > 0 ? `${summary} (${usd.unpricedCalls} unpriced calls not counted)` : summary,
    evidence: {
      hourUsd: round(usd.hourUsd),
      minuteUsd: round(usd.minuteUsd),
      capUsdPerHour: policy.capUsdPerHour ?? null,
      capUsdPerMinute: policy.capUsdPerMinute ?? null,
      unpricedCalls: usd.unpricedCalls,
    },
  };
}
