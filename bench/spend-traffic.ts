// Simulated production traffic for bench/spend-sim.ts: one agent's LLM calls in 10-second buckets,
// with daily and weekly cycles, day-to-day level changes, benign bursts, Poisson calls and
// lognormal tokens per call. The detector sees it as spend_minutes would hold it.
import { DAY_MS, MINUTE_MS, type SpendPoint, type SpendSeries } from "../src/detect/spend-baseline.ts";
import type { Rng } from "../src/stats/rng.ts";

/** Sub-minute resolution: the worker checks at 10-second phases and sees a partial current minute. */
export const SUB_MS = 10_000;
export const SUBS = MINUTE_MS / SUB_MS;

/** One agent's traffic shape. */
export interface Shape {
  /** Mean calls per minute over a week. */
  callsPerMinute: number;
  /** Daily cycle exp(A·cos(2π(h − peak)/24)): peak-to-trough e^{2A}. */
  amplitude: number;
  peakHour: number;
  /** Saturday and Sunday level against weekdays (0.3: quiet weekends; 1.3: a consumer app). */
  weekend: number;
}

/** A random shape: volume log-uniform in [lo, hi] calls per minute, peak-to-trough 2.7× to 20×. */
export function randomShape(rng: Rng, lo: number, hi: number): Shape {
  return {
    callsPerMinute: Math.exp(Math.log(lo) + rng.uniform() * Math.log(hi / lo)),
    amplitude: 0.5 + rng.uniform(),
    peakHour: 9 + rng.uniform() * 8,
    weekend: 0.3 + rng.uniform(),
  };
}

/** Poisson(λ): multiplication below 30, else a rounded normal (close enough for traffic counts). */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda >= 30) return Math.max(0, Math.round(rng.normal(lambda, Math.sqrt(lambda))));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = rng.uniform();
  while (p > l) {
    k++;
    p *= rng.uniform();
  }
  return k;
}

/** Tokens per call: input lognormal (median 1,500, σ 1.0), output lognormal (median 250, σ 0.8), priced $3/$15 per million. */
export function addCalls(rng: Rng, n: number, into: { cost: Float64Array; tokens: Float64Array; calls: Float64Array }, i: number): void {
  for (let c = 0; c < n; c++) {
    const input = Math.exp(rng.normal(Math.log(1500), 1.0));
    const output = Math.exp(rng.normal(Math.log(250), 0.8));
    into.tokens[i]! += input + output;
    into.cost[i]! += input * 3e-6 + output * 15e-6;
  }
  into.calls[i]! += n;
}

/** Traffic in 10-second buckets from `startMs` (a UTC midnight), over `days`. */
export interface Traffic {
  startMs: number;
  cost: Float64Array;
  tokens: Float64Array;
  calls: Float64Array;
}

/** Level of the daily cycle at `ms`, normalised to mean 1 over a day. */
function dailyCurve(shape: Shape): (ms: number) => number {
  const raw = (h: number) => Math.exp(shape.amplitude * Math.cos((2 * Math.PI * (h - shape.peakHour)) / 24));
  let sum = 0;
  for (let m = 0; m < 1440; m++) sum += raw(m / 60);
  const mean = sum / 1440;
  return (ms: number) => raw(((ms % DAY_MS) / 3_600_000) % 24) / mean;
}

/**
 * In-control traffic: λ(t) = volume × daily cycle × weekend factor × day level × bursts.
 * Day level: log AR(1) (φ 0.7, innovations σ 0.08), so busy and quiet days cluster. Benign bursts:
 * about 4 a day, 1 to 15 minutes long, 1.2× to 1.8× (a batch of customers, a cron job upstream).
 */
export function simulateTraffic(rng: Rng, shape: Shape, startMs: number, days: number): Traffic {
  const n = days * 1440 * SUBS;
  const t: Traffic = { startMs, cost: new Float64Array(n), tokens: new Float64Array(n), calls: new Float64Array(n) };
  const curve = dailyCurve(shape);
  const burst = new Float64Array(n).fill(1);
  for (let d = 0, level = 0; d < days; d++) {
    level = 0.7 * level + rng.normal(0, 0.08);
    const dow = new Date(startMs + d * DAY_MS).getUTCDay();
    const dayFactor = Math.exp(level) * (dow === 0 || dow === 6 ? shape.weekend : 1);
    const bursts = poisson(rng, 4);
    for (let b = 0; b < bursts; b++) {
      const from = (d * 1440 + rng.int(1440)) * SUBS;
      const len = (1 + rng.int(15)) * SUBS;
      const x = 1.2 + 0.6 * rng.uniform();
      for (let i = from; i < Math.min(n, from + len); i++) burst[i] = x;
    }
    for (let s = 0; s < 1440 * SUBS; s++) {
      const i = d * 1440 * SUBS + s;
      const lambda = (shape.callsPerMinute / SUBS) * curve(startMs + i * SUB_MS) * dayFactor * burst[i]!;
      addCalls(rng, poisson(rng, lambda), t, i);
    }
  }
  return t;
}

/** The expected calls per 10 s at bucket i without bursts or day level (for overlays). */
export function baseRate(shape: Shape, startMs: number): (i: number) => number {
  const curve = dailyCurve(shape);
  return (i) => {
    const ms = startMs + i * SUB_MS;
    const dow = new Date(ms).getUTCDay();
    return (shape.callsPerMinute / SUBS) * curve(ms) * (dow === 0 || dow === 6 ? shape.weekend : 1);
  };
}

/**
 * What spend_minutes holds at `cutoffMs` (spans ingested by then), as the detector reads it: whole
 * minutes from prebuilt points, the minute in progress summed from its buckets so far. Extra
 * traffic (a runaway) is added through `extra`, bucket-aligned with `traffic`.
 */
export function seriesAt(traffic: Traffic, minutes: SpendPoint[], cutoffMs: number, extra?: Traffic): SpendSeries {
  return (m) => {
    const idx = (m - traffic.startMs) / MINUTE_MS;
    if (idx < 0 || idx >= minutes.length || m >= cutoffMs) return undefined;
    if (m + MINUTE_MS <= cutoffMs && !(extra && m + MINUTE_MS > extra.startMs)) return minutes[idx];
    const p: SpendPoint = { costUsd: 0, tokens: 0, calls: 0, unpricedCalls: 0 };
    for (let s = 0; s < SUBS; s++) {
      const at = m + s * SUB_MS;
      if (at + SUB_MS > cutoffMs) break;
      const i = idx * SUBS + s;
      p.costUsd += traffic.cost[i]!;
      p.tokens += traffic.tokens[i]!;
      p.calls += traffic.calls[i]!;
      if (extra) {
        const j = (at - extra.startMs) / SUB_MS;
        if (j >= 0 && j < extra.calls.length) {
          p.costUsd += extra.cost[j]!;
          p.tokens += extra.tokens[j]!;
          p.calls += extra.calls[j]!;
        }
      }
    }
    return p;
  };
}

/** Whole-minute points of the traffic. */
export function minutePoints(t: Traffic): SpendPoint[] {
  const out: SpendPoint[] = [];
  for (let m = 0; m < t.calls.length / SUBS; m++) {
    const p: SpendPoint = { costUsd: 0, tokens: 0, calls: 0, unpricedCalls: 0 };
    for (let s = 0; s < SUBS; s++) {
      p.costUsd += t.cost[m * SUBS + s]!;
      p.tokens += t.tokens[m * SUBS + s]!;
      p.calls += t.calls[m * SUBS + s]!;
    }
    out.push(p);
  }
  return out;
}
