import { describe, expect, it } from "vitest";
import {
  assessSpend,
  capFinding,
  checkWindow,
  chooseMeasure,
  DEFAULT_WINDOWS,
  LOCAL_LEVEL_RANGE,
  LOCAL_WINDOWS,
  pageThreshold,
  PRODUCTION_SPEND,
  recentPerCall,
  recentUsd,
  SPEND_CAP,
  spendJob,
  windowWeights,
  type SpendPolicy,
} from "../../src/detect/production-spend.ts";
import {
  DAY_MS,
  historyDays,
  historySlots,
  KAPPA_PRIOR,
  levelAt,
  localLevel,
  MINUTE_MS,
  PRIOR_SIGMA,
  seasonalBaseline,
  SIGMA_FLOOR,
  SLOT_DAYS,
  slotKappa,
  type SpendPoint,
  type SpendSeries,
} from "../../src/detect/spend-baseline.ts";
import { normalCdf } from "../../src/stats/distributions.ts";

/** Monday 2026-01-05 00:00 UTC. */
const MONDAY = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;
const POLICY: SpendPolicy = {
  windows: DEFAULT_WINDOWS,
  localWindows: LOCAL_WINDOWS,
  threshold: pageThreshold(1, 30_000, DEFAULT_WINDOWS.length + LOCAL_WINDOWS.length),
  minRatio: 2.5,
  severity: "critical",
};

/** Calls per minute by time: a business-hours curve from 2 at night to 40 at noon. */
const daily = (ms: number) => {
  const h = (ms % DAY_MS) / HOUR;
  return Math.round(2 + (h > 6 && h < 18 ? 38 * Math.sin((Math.PI * (h - 6)) / 12) : 0));
};

/**
 * A deterministic series as the table holds it at `to` (from `from`): `calls(ms)` calls a minute,
 * each $0.01 and 1,000 tokens (unpriced: no cost), times `jump(ms)`; the minute in progress holds
 * its elapsed share.
 */
function series(o: {
  from: number;
  to: number;
  calls: (ms: number) => number;
  jump?: (ms: number) => number;
  unpriced?: boolean;
}): SpendSeries {
  return (m) => {
    if (m < o.from || m >= o.to) return undefined;
    const elapsed = Math.min(1, (o.to - m) / MINUTE_MS);
    const n = Math.round(o.calls(m) * (o.jump?.(m) ?? 1) * elapsed);
    if (n === 0) return undefined;
    const p: SpendPoint = { calls: n, tokens: n * 1000, costUsd: o.unpriced ? 0 : n * 0.01, unpricedCalls: o.unpriced ? n : 0 };
    return p;
  };
}

const assess = (s: SpendSeries, nowMs: number, firstSeenMs: number | null, policy: SpendPolicy = POLICY) =>
  assessSpend({ job: "production:bot", agent: "bot", nowMs, series: s, firstSeenMs, policy });

const from = MONDAY;
/** Tuesday of the second week, plus a time of day. */
const tuesday = (h: number) => MONDAY + 8 * DAY_MS + h * HOUR;

describe("production spend against its seasonal baseline", () => {
  it("does not page the daily peak or the morning ramp, which a flat baseline would call 3×", () => {
    for (const h of [7, 9, 12, 12.5, 17]) {
      const now = tuesday(h) + 20_000;
      const out = assess(series({ from, to: now + 1, calls: daily }), now, from);
      expect(out.status, `at ${h}h`).toBe("normal");
      expect(out.findings).toEqual([]);
      for (const w of out.windows) expect(w.ratio, `at ${h}h, ${w.minutes} min`).toBeGreaterThan(0.7);
      for (const w of out.windows) expect(w.ratio, `at ${h}h, ${w.minutes} min`).toBeLessThan(1.3);
    }
  });

  it("pages a 5× jump within a minute at 40 calls a minute, and names the window and the ratio", () => {
    const now = tuesday(12) + 30_000;
    // From the start of the last minute: 90 s of 5× in the table.
    const jumpAt = now - 90_000;
    const out = assess(series({ from, to: now + 1, calls: daily, jump: (m) => (m >= jumpAt ? 5 : 1) }), now, from);
    expect(out.status).toBe("runaway");
    expect(out.findings).toHaveLength(1);
    const f = out.findings[0]!;
    expect(f).toMatchObject({ detector: PRODUCTION_SPEND, agent: "bot", job: "production:bot", severity: "critical" });
    // The strongest window: the last 1 or 2 minutes, 4× to 5× (the 2 minutes reach half a minute before the jump).
    expect([1, 2]).toContain(f.evidence.windowMinutes);
    expect(f.evidence.ratio as number).toBeGreaterThan(3.9);
    expect(f.evidence.z as number).toBeGreaterThanOrEqual(POLICY.threshold);
    expect(f.evidence.measure).toBe("cost");
    expect(f.summary).toMatch(/^production spend ×\d\.\d\d its usual for this time of day: \$\d+\.\d+ in the last [12] min against \$/);
  });

  it("shows USD with 4 decimals under $1 and 2 from $1", () => {
    const now = tuesday(3) + 30_000;
    const out = assess(series({ from, to: now + 1, calls: daily, jump: (m) => (m >= now - 10 * MINUTE_MS ? 10 : 1) }), now, from);
    const f = out.findings[0]!;
    expect(f.evidence.observed as number).toBeGreaterThan(1);
    expect(f.evidence.expected as number).toBeLessThan(1);
    expect(f.summary).toMatch(/: \$\d+\.\d\d in the last \d+ min against \$0\.\d{4} expected$/);
    const one = f.summary.match(/\$(\d+\.\d\d) in/)![1];
    expect(Number(one)).toBeCloseTo(f.evidence.observed as number, 1);
  });

  it("reports the window with the strongest evidence", () => {
    const now = tuesday(12) + 30_000;
    const out = assess(series({ from, to: now + 1, calls: daily, jump: (m) => (m >= now - 20 * MINUTE_MS ? 5 : 1) }), now, from);
    const zs = out.windows.map((w) => w.z);
    expect(out.findings[0]!.evidence.windowMinutes).toBe(out.windows[zs.indexOf(Math.max(...zs))]!.minutes);
    expect(out.findings[0]!.evidence.windowMinutes).not.toBe(1);
  });

  it("pages at exactly the minimum ratio and the threshold, not a hair below either", () => {
    const now = tuesday(12) + 30_000;
    const s = series({ from, to: now + 1, calls: daily, jump: (m) => (m >= now - 4 * MINUTE_MS ? 5 : 1) });
    const out = assess(s, now, from);
    const top = out.windows.reduce((a, w) => (w.z > a.z ? w : a));
    const at = (p: Partial<SpendPolicy>) => assess(s, now, from, { ...POLICY, windows: [top.minutes], ...p }).findings.length;
    expect(at({ minRatio: top.ratio, threshold: top.z })).toBe(1);
    expect(at({ minRatio: top.ratio * (1 + 1e-9), threshold: top.z })).toBe(0);
    expect(at({ minRatio: top.ratio, threshold: top.z * (1 + 1e-9) })).toBe(0);
  });

  it("is back to normal once the jump has left every window", () => {
    const now = tuesday(12) + 30_000;
    const jump = (m: number) => (m >= now - 80 * MINUTE_MS && m < now - 31 * MINUTE_MS ? 5 : 1);
    expect(assess(series({ from, to: now + 1, calls: daily, jump }), now, from).status).toBe("normal");
    const lingering = (m: number) => (m >= now - 80 * MINUTE_MS && m < now - 15 * MINUTE_MS ? 5 : 1);
    expect(assess(series({ from, to: now + 1, calls: daily, jump: lingering }), now, from).status).toBe("runaway");
  });

  it("needs both the minimum ratio and significance: 1.8× of 4,000 calls a minute is significant but no runaway", () => {
    const now = tuesday(12) + 30_000;
    const s = series({ from, to: now + 1, calls: () => 4000, jump: (m) => (m >= now - 5 * MINUTE_MS ? 1.8 : 1) });
    const out = assess(s, now, from);
    expect(out.findings).toEqual([]);
    expect(Math.max(...out.windows.map((w) => w.z))).toBeGreaterThan(POLICY.threshold);
    expect(assess(s, now, from, { ...POLICY, minRatio: 1.5 }).findings).toHaveLength(1);
  });

  it("does not page a quiet agent's few calls: 3 calls in a minute against one every five", () => {
    const now = tuesday(3) + 30_000;
    const calls = (m: number) => (m === now - (now % MINUTE_MS) ? 3 : (m / MINUTE_MS) % 5 === 0 ? 1 : 0);
    const out = assess(series({ from, to: now + 1, calls }), now, from);
    expect(out.windows[0]!.ratio).toBeGreaterThan(2);
    expect(out.findings).toEqual([]);
  });

  it("pages a quiet agent's sustained jump through the longer windows", () => {
    const now = tuesday(3) + 30_000;
    const calls = (m: number) => ((m / MINUTE_MS) % 2 === 0 ? 1 : 0);
    const out = assess(series({ from, to: now + 1, calls, jump: (m) => (m >= now - 30 * MINUTE_MS ? 10 : 1) }), now, from);
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]!.evidence.windowMinutes as number).toBeGreaterThanOrEqual(10);
  });

  it("follows weekly seasonality: a weekend 3× as busy as weekdays is not a page, but is on a weekday", () => {
    const weekend = (m: number) => [0, 6].includes(new Date(m).getUTCDay());
    const calls = (m: number) => (weekend(m) ? 3 : 1) * daily(m);
    const saturday = MONDAY + 26 * DAY_MS + 12 * HOUR + 30_000;
    expect(new Date(saturday).getUTCDay()).toBe(6);
    const out = assess(series({ from, to: saturday + 1, calls }), saturday, from);
    expect(out.baseline!.weeks).toBe(3);
    expect(out.findings).toEqual([]);
    // The same Saturday level on a weekday is a runaway.
    const friday = saturday - DAY_MS;
    const busyFriday = (m: number) => (m >= friday - 20 * MINUTE_MS && m <= friday ? 3 : 1);
    expect(assess(series({ from, to: friday + 1, calls, jump: busyFriday }), friday, from).findings).toHaveLength(1);
  });

  it("falls back to tokens when calls are unpriced, so an unpriced model's runaway still pages", () => {
    const now = tuesday(12) + 30_000;
    const s = series({ from, to: now + 1, calls: daily, unpriced: true, jump: (m) => (m >= now - 2 * MINUTE_MS ? 5 : 1) });
    const out = assess(s, now, from);
    expect(out.measure).toBe("tokens");
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]!.summary).toMatch(/tokens in the last/);
  });
});

describe("against today's own level", () => {
  /** 20 calls a minute on a level that wanders ±35% from day to day; today (the ninth day) 1.2×. */
  const LEVELS = [1.3, 0.7, 1.25, 0.75, 1.35, 0.7, 1.0, 1.3, 1.2];
  const wandering = (m: number) => 20 * LEVELS[Math.floor((m - MONDAY) / DAY_MS)]!;
  const now = tuesday(12) + 50_000;

  it("pages a 5× jump 40 s old at 20 calls a minute although the days wander too much for the baseline alone", () => {
    const s = series({ from, to: now + 1, calls: wandering, jump: (m) => (m >= now - 50_000 ? 5 : 1) });
    const out = assess(s, now, from);
    expect(out.baseline!.sigmaLevel).toBeGreaterThan(0.2);
    expect(out.findings.map((f) => f.detector)).toEqual([PRODUCTION_SPEND]);
    expect(out.findings[0]!.evidence.todayLevel).toEqual(expect.any(Number));
    expect(LOCAL_WINDOWS).toContain(out.findings[0]!.evidence.windowMinutes);
    // The seasonal windows alone carry the day-to-day spread and stay below the threshold.
    expect(assess(s, now, from, { ...POLICY, localWindows: [] }).findings).toEqual([]);
    // A usual minute on the same day pages nothing.
    expect(assess(series({ from, to: now + 1, calls: wandering }), now, from).findings).toEqual([]);
  });

  it("reads today's level from the quarter hour before the windows, against the same minutes on past days", () => {
    const current = now - 50_000;
    // Past days 10 calls a minute at $0.01; today's reference minutes 13.
    const s = series({ from, to: now + 1, calls: (m) => (m >= current - 15 * MINUTE_MS ? 13 : 10) });
    const level = localLevel(s, "cost", now, from, 0.01)!;
    // 12 minutes: 156 calls today; 120 usually, plus the pseudo call.
    expect(level.factor).toBeCloseTo(1.56 / 1.21, 12);
    expect(level.expectedCalls).toBe(121);
    const spike = (at: number) => localLevel(series({ from, to: now + 1, calls: (m) => (m === at ? 130 : 10) }), "cost", now, from, 0.01)!;
    expect(spike(current - 15 * MINUTE_MS).factor).toBeCloseTo(2.4 / 1.21, 12);
    expect(spike(current - 4 * MINUTE_MS).factor).toBeCloseTo(2.4 / 1.21, 12);
    expect(spike(current - 16 * MINUTE_MS).factor).toBeCloseTo(1.2 / 1.21, 12);
    expect(spike(current - 3 * MINUTE_MS).factor).toBeCloseTo(1.2 / 1.21, 12);
    // Today's reference or every past day's before the first minute: no level.
    expect(localLevel(s, "cost", now, current - 14 * MINUTE_MS, 0.01)).toBeUndefined();
    expect(localLevel(s, "cost", now, current - DAY_MS - 14 * MINUTE_MS, 0.01)).toBeUndefined();
    expect(localLevel(s, "cost", now, current - DAY_MS - 15 * MINUTE_MS, 0.01)).toBeDefined();
  });

  it("scales a window by today's level within 1 and 1.5, with the floor spread and both counting noises", () => {
    const b = { rate: 1, callRate: 10, perCall: 0.1, kappa: 2, sigmaLevel: 0.4, checkedDays: 7, days: 7, weeks: 4 };
    const m = tuesday(12);
    const s: SpendSeries = (x) => (x === m - MINUTE_MS ? { calls: 40, tokens: 0, costUsd: 4, unpricedCalls: 0 } : undefined);
    const at = (factor: number) => checkWindow(s, "cost", m, 1, b, { factor, expectedCalls: 100 });
    expect(LOCAL_LEVEL_RANGE).toEqual([1, 1.5]);
    expect(at(1.2).expected).toBeCloseTo(1.25 * 1.2, 12);
    expect(at(1.2).todayLevel).toBe(1.2);
    expect(at(0.2).todayLevel).toBe(1);
    expect(at(0.2).expected).toBeCloseTo(1.25, 12);
    expect(at(3).todayLevel).toBe(1.5);
    expect(at(1.2).z).toBeCloseTo(Math.log(4 / 1.5) / Math.sqrt(SIGMA_FLOOR ** 2 + Math.log1p(2 / 100) + Math.log1p(2 / 12.5)), 12);
    expect(checkWindow(s, "cost", m, 1, b).todayLevel).toBeNull();
  });

  it("does not page an agent back from an outage: its empty quarter hour counts as a usual level", () => {
    const down = (m: number) => (m >= now - 20 * MINUTE_MS && m < now - 60_000 - 50_000 ? 0 : 1);
    const out = assess(series({ from, to: now + 1, calls: daily, jump: down }), now, from);
    expect(out.windows.filter((w) => w.todayLevel !== null).map((w) => w.todayLevel)).toEqual([1, 1]);
    expect(out.findings).toEqual([]);
  });

  it("keeps paging a runaway that has filled the reference minutes: today's level stops at 1.5", () => {
    const s = series({ from, to: now + 1, calls: daily, jump: (m) => (m >= now - 14 * MINUTE_MS ? 5 : 1) });
    const out = assess(s, now, from, { ...POLICY, windows: [] });
    expect(out.windows.map((w) => w.todayLevel)).toEqual([1.5, 1.5]);
    expect(out.findings).toHaveLength(1);
  });
});

describe("cold start and the absolute cap", () => {
  it("only the cap applies until a past day's slot is complete; then large jumps page, 5× from the fourth day", () => {
    const now = tuesday(12) + 30_000;
    const firstSeen = now - DAY_MS + 10 * MINUTE_MS;
    const s = series({ from: firstSeen, to: now + 1, calls: daily, jump: (m) => (m >= now - 5 * MINUTE_MS ? 20 : 1) });
    const out = assess(s, now, firstSeen);
    expect(out.status).toBe("cold");
    expect(out.baseline).toBeNull();
    expect(out.findings).toEqual([]);
    const capped = assess(s, now, firstSeen, { ...POLICY, capUsdPerHour: 5 });
    expect(capped.status).toBe("runaway");
    expect(capped.findings.map((f) => f.detector)).toEqual([SPEND_CAP]);
    // A day and a slot later the baseline applies, with a wide prior spread: 20× pages, 5× not yet.
    const twenty = series({ from, to: now + 1, calls: daily, jump: (m) => (m >= now - 5 * MINUTE_MS ? 20 : 1) });
    const later = assess(twenty, now, now - DAY_MS - 16 * MINUTE_MS);
    expect(later.baseline?.days).toBe(1);
    expect(later.baseline?.sigmaLevel).toBeCloseTo(PRIOR_SIGMA, 1);
    expect(later.findings.map((f) => f.detector)).toEqual([PRODUCTION_SPEND]);
    const five = series({ from, to: now + 1, calls: daily, jump: (m) => (m >= now - 5 * MINUTE_MS ? 5 : 1) });
    expect(assess(five, now, now - DAY_MS - 16 * MINUTE_MS).findings).toEqual([]);
    expect(assess(five, now, now - 3 * DAY_MS - 16 * MINUTE_MS).findings).toEqual([]);
    // Four days: three of them can be checked against the days before, and the spread is measured.
    expect(assess(five, now, now - 4 * DAY_MS - 16 * MINUTE_MS).findings.map((f) => f.detector)).toEqual([PRODUCTION_SPEND]);
  });

  it("an agent never seen has no baseline", () => {
    const out = assess(() => undefined, tuesday(12), null);
    expect(out).toMatchObject({ status: "cold", historyDays: 0, windows: [], findings: [] });
  });

  it("sums the last hour (this minute and the 59 before) and takes the worse of this minute and the last", () => {
    const now = tuesday(12) + 30_000;
    const current = now - 30_000;
    const s: SpendSeries = (m) =>
      m > current || m < current - 60 * MINUTE_MS
        ? undefined
        : { calls: 1, tokens: 1, costUsd: m === current - MINUTE_MS ? 3 : 0.1, unpricedCalls: 1 };
    // 59 minutes at $0.10 and one at $3 (the minute 60 before is outside).
    expect(recentUsd(s, now)).toEqual({ hourUsd: expect.closeTo(0.1 * 59 + 3, 9), minuteUsd: 3, unpricedCalls: 60 });
    // This minute the larger.
    const t: SpendSeries = (m) =>
      m === current
        ? { calls: 1, tokens: 1, costUsd: 4, unpricedCalls: 0 }
        : m === current - MINUTE_MS
          ? { calls: 1, tokens: 1, costUsd: 3, unpricedCalls: 0 }
          : undefined;
    expect(recentUsd(t, now).minuteUsd).toBe(4);
  });

  it("pages at or over the cap, per hour or per minute, and says unpriced calls are not in it", () => {
    const usd = { hourUsd: 5, minuteUsd: 0.2, unpricedCalls: 0 };
    expect(capFinding(usd, { capUsdPerHour: 5 })?.summary).toBe("production spend $5.00 in the last hour, at or over the cap of $5/h");
    expect(capFinding({ ...usd, hourUsd: 4.99 }, { capUsdPerHour: 5 })).toBeUndefined();
    expect(capFinding(usd, { capUsdPerMinute: 0.2 })?.summary).toBe("production spend $0.20 in a minute, at or over the cap of $0.2/min");
    expect(capFinding(usd, { capUsdPerMinute: 0.21 })).toBeUndefined();
    expect(capFinding(usd, {})).toBeUndefined();
    const f = capFinding({ ...usd, unpricedCalls: 7 }, { capUsdPerHour: 1 })!;
    expect(f.detector).toBe(SPEND_CAP);
    expect(f.summary).toMatch(/\(7 unpriced calls not counted\)$/);
    expect(f.evidence).toEqual({ hourUsd: 5, minuteUsd: 0.2, capUsdPerHour: 1, capUsdPerMinute: null, unpricedCalls: 7 });
  });

  it("reports both the cap and a runaway as separate alerts", () => {
    const now = tuesday(12) + 30_000;
    const s = series({ from, to: now + 1, calls: daily, jump: (m) => (m >= now - 2 * MINUTE_MS ? 5 : 1) });
    const out = assess(s, now, from, { ...POLICY, capUsdPerMinute: 1, severity: "warning" });
    expect(out.findings.map((f) => [f.detector, f.severity])).toEqual([
      [SPEND_CAP, "warning"],
      [PRODUCTION_SPEND, "warning"],
    ]);
  });
});

describe("the pieces", () => {
  it("names each agent's alert job production:<agent>", () => {
    expect(spendJob("support-bot")).toBe("production:support-bot");
  });

  it("sets the threshold from the false-alarm rate over every check and window in 30 days", () => {
    const z = pageThreshold(1, 30_000, 4);
    expect(1 - normalCdf(z)).toBeCloseTo(1 / (86_400 * 4), 12);
    expect(pageThreshold(1, 60_000, 4)).toBeLessThan(z);
    expect(pageThreshold(2, 30_000, 4)).toBeLessThan(z);
    expect(pageThreshold(1, 30_000, 1)).toBeLessThan(z);
    expect(() => pageThreshold(0, 30_000, 4)).toThrow(/false alarms per 30 days must be in \(0, 345600\), got 0/);
    expect(() => pageThreshold(345_600, 30_000, 4)).toThrow(RangeError);
  });

  it("weighs a window's minutes by overlap, the minute in progress whole as observed and elapsed as expected", () => {
    const m = tuesday(12);
    expect(windowWeights(m + 45_000, 1)).toEqual([
      { minuteMs: m - MINUTE_MS, observed: 0.25, expected: 0.25 },
      { minuteMs: m, observed: 1, expected: 0.75 },
    ]);
    // Early in a minute the skew guard counts at least 15 s elapsed.
    expect(windowWeights(m + 5_000, 3)).toEqual([
      { minuteMs: m - 3 * MINUTE_MS, observed: expect.closeTo(55 / 60, 12), expected: expect.closeTo(55 / 60, 12) },
      { minuteMs: m - 2 * MINUTE_MS, observed: 1, expected: 1 },
      { minuteMs: m - MINUTE_MS, observed: 1, expected: 1 },
      { minuteMs: m, observed: 1, expected: 0.25 },
    ]);
    expect(windowWeights(m, 1)).toEqual([
      { minuteMs: m - MINUTE_MS, observed: 1, expected: 1 },
      { minuteMs: m, observed: 1, expected: 0.25 },
    ]);
  });

  it("scores a window as log ratio over level, baseline and counting noise", () => {
    const b = { rate: 1, callRate: 10, perCall: 0.1, kappa: 2, sigmaLevel: 0.2, checkedDays: 7, days: 7, weeks: 4 };
    const m = tuesday(12);
    const s: SpendSeries = (x) => (x === m - MINUTE_MS ? { calls: 40, tokens: 0, costUsd: 4, unpricedCalls: 0 } : undefined);
    const w = checkWindow(s, "cost", m, 1, b);
    // Weight 1 (previous minute) + 0.25 (skew guard).
    expect(w.expected).toBeCloseTo(1.25, 12);
    expect(w.expectedCalls).toBeCloseTo(12.5, 12);
    expect(w.ratio).toBeCloseTo(4 / 1.25, 12);
    expect(w.z).toBeCloseTo(Math.log(3.2) / Math.sqrt(0.04 + Math.log1p(2 / 12.5)), 12);
    expect(checkWindow(() => undefined, "cost", m, 1, b).z).toBe(Number.NEGATIVE_INFINITY);
  });

  it("takes tokens when any call in the last hour or in a history slot was unpriced", () => {
    const now = tuesday(12) + 30_000;
    const at =
      (target: number): SpendSeries =>
      (m) =>
        m === target ? { calls: 1, tokens: 5, costUsd: 0, unpricedCalls: 1 } : undefined;
    const minute = now - 30_000;
    expect(chooseMeasure(at(minute), now, from)).toBe("tokens");
    expect(chooseMeasure(at(minute - 59 * MINUTE_MS), now, from)).toBe("tokens");
    expect(chooseMeasure(at(minute - 60 * MINUTE_MS), now, from)).toBe("cost");
    expect(chooseMeasure(at(minute - 3 * DAY_MS + 14 * MINUTE_MS), now, from)).toBe("tokens");
    expect(chooseMeasure(at(minute - 3 * DAY_MS + 15 * MINUTE_MS), now, from)).toBe("cost");
    expect(chooseMeasure(at(minute - 28 * DAY_MS - 15 * MINUTE_MS), now, MONDAY - 30 * DAY_MS)).toBe("tokens");
    // A slot that begins at the first minute counts; one that begins before it does not.
    const slot3 = minute - 3 * DAY_MS - 15 * MINUTE_MS;
    expect(chooseMeasure(at(slot3), now, slot3)).toBe("tokens");
    expect(chooseMeasure(at(slot3 + MINUTE_MS), now, slot3 + 1)).toBe("cost");
    // Before the agent was first seen nothing counts.
    expect(chooseMeasure(at(minute - 3 * DAY_MS), now, minute - 2 * DAY_MS)).toBe("cost");
  });

  it("builds 30-minute slots centred on now's time of day, on each past day the agent was seen", () => {
    const now = tuesday(12) + 30_000;
    const slots = historySlots(series({ from, to: now, calls: () => 1 }), "cost", now, from);
    expect([...slots.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(slots.get(1)).toEqual({ daysAgo: 1, minutes: 30, total: expect.closeTo(0.3, 9), calls: 30, sumSq: expect.closeTo(0.003, 9) });
    // Only the slots the agent's first minute is at or before.
    const twoDays = historySlots(series({ from, to: now, calls: () => 1 }), "cost", now, now - 30_000 - 2 * DAY_MS - 15 * MINUTE_MS);
    expect([...twoDays.keys()]).toEqual([1, 2]);
    const month = historySlots(() => undefined, "cost", now, now - 40 * DAY_MS);
    expect([...month.keys()]).toEqual(Array.from({ length: SLOT_DAYS }, (_, i) => i + 1));
  });

  const slot = (daysAgo: number, total: number, calls = total) => ({ daysAgo, minutes: 30, total, calls, sumSq: (total * total) / 30 });
  const slots = (totals: Record<number, number>) => new Map(Object.entries(totals).map(([d, t]) => [Number(d), slot(Number(d), t)]));

  it("takes the weekly median from two past weeks, before that the larger of the daily median and last week", () => {
    const days = { 1: 29, 2: 59, 3: 89 };
    const dailyOnly = seasonalBaseline(slots(days), 0)!;
    expect(dailyOnly.rate).toBeCloseTo(2, 12);
    expect(dailyOnly.callRate).toBeCloseTo(2, 12);
    expect(dailyOnly).toMatchObject({ days: 3, weeks: 0 });
    // The same time of week, busier or quieter than the days around it.
    const busierWeek = seasonalBaseline(slots({ ...days, 7: 149, 14: 89 }), 0)!;
    expect(busierWeek.rate).toBeCloseTo(4, 12);
    expect(busierWeek.callRate).toBeCloseTo(4, 12);
    expect(busierWeek).toMatchObject({ days: 4, weeks: 2 });
    expect(seasonalBaseline(slots({ ...days, 7: 29, 14: 29, 21: 89 }), 0)!.rate).toBeCloseTo(1, 12);
    // One past week: the larger of it and the median of the 7 days (it is one of them).
    expect(seasonalBaseline(slots({ ...days, 7: 149 }), 0)!.rate).toBeCloseTo(5, 12);
    expect(seasonalBaseline(slots({ ...days, 7: 29 }), 0)!.rate).toBeCloseTo(1.5, 12);
    expect(seasonalBaseline(new Map(), 0)).toBeNull();
    expect(levelAt(slots({ 8: 29 }), 0, (s) => s.total)).toBeUndefined();
    expect(levelAt(slots({ 8: 29 }), 1, (s) => s.total)).toBe(29);
    // No call in any slot: the pseudo call is priced at the fallback.
    expect(seasonalBaseline(new Map([[1, slot(1, 0)]]), 0.6)!.rate).toBeCloseTo(0.02, 12);
  });

  it("spreads by how far each of the last 7 days strayed from the baseline it would have had", () => {
    const many = (f: (d: number) => number) =>
      new Map(Array.from({ length: 28 }, (_, i) => [i + 1, slot(i + 1, f(i + 1), 1000 * f(i + 1))]));
    const steady = seasonalBaseline(
      many(() => 10),
      0,
    )!;
    expect(steady.sigmaLevel).toBe(SIGMA_FLOOR);
    // A weekly pattern the weekly median predicts is no spread (a daily MAD would call it ±60%).
    const weekends = seasonalBaseline(
      many((d) => (d % 7 === 2 || d % 7 === 3 ? 3 : 10)),
      0,
    )!;
    expect(weekends.sigmaLevel).toBe(SIGMA_FLOOR);
    // The second week back counts too: days 8–14 twice their baseline, days 1–7 on it.
    const secondWeek = seasonalBaseline(
      many((d) => (d >= 8 && d <= 14 ? 20 : 10)),
      0,
    )!;
    expect(secondWeek.sigmaLevel).toBeCloseTo((1.4826 * Math.log(2)) / 2, 3);
    // Growth of 10% a day is error: the median absolute error is taken around 0, not around its median.
    const growing = seasonalBaseline(
      many((d) => 10 * 1.1 ** -d),
      0,
    )!;
    expect(growing.sigmaLevel).toBeGreaterThan(1.4826 * Math.log(1.1 ** 7) * 0.9);
    // Errors 1.10, 0.69, 0.22, 1.39 (days 1–4 against the medians of the days before): 1.4826 × their median.
    const totals = [5, 10, 20, 10, 40];
    const varied = seasonalBaseline(new Map(totals.map((t, i) => [i + 1, slot(i + 1, t, 1000 * t)])), 0)!;
    expect(varied.sigmaLevel).toBeCloseTo(1.4826 * ((Math.log(2) + Math.log(3)) / 2), 3);
    // Below 3 checked days, the prior, less the slots' own counting noise (κ 1 over 10,000 calls a minute).
    const twoDays = seasonalBaseline(
      new Map([
        [1, slot(1, 10, 10_000)],
        [2, slot(2, 10, 10_000)],
      ]),
      0,
    )!;
    expect(twoDays.sigmaLevel).toBeCloseTo(Math.sqrt(PRIOR_SIGMA ** 2 - Math.log1p(1 / (10_001 / 30) / 30)), 12);
  });

  it("assumes κ 3 when no slot had 10 calls, and prices the pseudo call at the last hour's cost per call", () => {
    const few = new Map([1, 2, 3].map((d) => [d, { daysAgo: d, minutes: 30, total: 0.09, calls: 9, sumSq: 0.01 }]));
    expect(seasonalBaseline(few, 1)!.kappa).toBe(KAPPA_PRIOR);
    const now = tuesday(12) + 30_000;
    const minute = now - 30_000;
    const s: SpendSeries = (m) =>
      m === minute
        ? { calls: 4, tokens: 400, costUsd: 2, unpricedCalls: 0 }
        : m === minute - 59 * MINUTE_MS
          ? { calls: 1, tokens: 100, costUsd: 1, unpricedCalls: 0 }
          : undefined;
    expect(recentPerCall(s, now, "cost")).toBeCloseTo(3 / 5, 12);
    expect(recentPerCall(s, now, "tokens")).toBeCloseTo(100, 12);
    expect(recentPerCall(s, now + 60 * MINUTE_MS, "cost")).toBe(0);
    expect(historyDays(now, now - 2.5 * DAY_MS)).toBe(2);
    expect(historyDays(now, now + MINUTE_MS)).toBe(0);
    expect(historyDays(now, null)).toBe(0);
  });

  it("measures dispersion as minute variance over mean × cost per call, and needs 10 calls", () => {
    // 30 minutes: half at 2, half at 0; 30 calls of 1 → var = 30/29·1, mean 1, per call 1.
    expect(slotKappa({ daysAgo: 1, minutes: 30, total: 30, calls: 30, sumSq: 60 })).toBeCloseTo(30 / 29, 12);
    expect(slotKappa({ daysAgo: 1, minutes: 30, total: 30, calls: 9, sumSq: 60 })).toBeUndefined();
    expect(slotKappa({ daysAgo: 1, minutes: 30, total: 30, calls: 10, sumSq: 60 })).toBeCloseTo(30 / 29 / 3, 12);
    // Mean 2 a minute at 0.5 a call: var (4·30 ... ) — 30 minutes at 4 and 30 at 0 over 60 minutes.
    expect(slotKappa({ daysAgo: 1, minutes: 60, total: 120, calls: 240, sumSq: 30 * 16 })).toBeCloseTo((480 - 60 * 4) / 59 / (2 * 0.5), 12);
    expect(slotKappa({ daysAgo: 1, minutes: 2, total: 30, calls: 30, sumSq: 600 })).toBeCloseTo((600 - 2 * 225) / 1 / (15 * 1), 12);
    expect(slotKappa({ daysAgo: 1, minutes: 1, total: 30, calls: 30, sumSq: 900 })).toBeUndefined();
    expect(slotKappa({ daysAgo: 1, minutes: 30, total: 0, calls: 10, sumSq: 0 })).toBeUndefined();
    // Steady traffic: variance 0, so κ is floored at 1 in the baseline.
    const flat = { daysAgo: 1, minutes: 30, total: 30, calls: 30, sumSq: 30 };
    expect(slotKappa(flat)).toBe(0);
    expect(seasonalBaseline(new Map([[1, flat]]), 0)!.kappa).toBe(1);
  });
});
