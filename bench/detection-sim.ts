// A simulated agent for the detection benchmark: K cases with fixed true pass rates, N repeats a
// run, per-trial costs and latencies, a few agent errors. Produces the same RunPoint values the
// service loads from the runs table, so bench/detection.ts drives the real detectors.
import type { RunPoint } from "../src/detect/types.ts";
import { quantile } from "../src/stats/descriptive.ts";
import type { Rng } from "../src/stats/rng.ts";

/** The agent's behaviour in one run. */
export interface RunEffect {
  /** The mean fall of the cases' true pass rates: subtracted from every case (clamped at 0), or by `shape`. */
  drop: number;
  /**
   * additive (default): every case falls by `drop` points. logit: every case's log-odds fall by
   * the same amount, chosen so the mean fall is `drop` (cases near 1 or 0 fall less, hard cases near ½ more).
   */
  shape?: "additive" | "logit";
  /** Multiplies every trial's cost. */
  costFactor: number;
}

export const IN_CONTROL: RunEffect = { drop: 0, costFactor: 1 };

/** Shape of the simulated golden set. */
export interface SimDesign {
  cases: number;
  repeats: number;
  /** Mean and concentration (a + b) of the Beta the per-case true rates are drawn from. */
  meanRate: number;
  concentration: number;
  /** Share of trials that get no reply (left out of accuracy). */
  errorRate: number;
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the shape < 1 boost. */
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(a, b) from two gammas. */
export function beta(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  return x / (x + gamma(rng, b));
}

/** A simulated agent: fixed per-case rates, costs and latencies, drawn once. */
export class SimAgent {
  readonly rates: number[];
  private readonly costs: number[];
  private readonly latencies: number[];
  private n = 0;
  private readonly logitShifts = new Map<number, number>();

  constructor(
    private readonly rng: Rng,
    private readonly design: SimDesign,
    private readonly start: Date,
  ) {
    const a = design.meanRate * design.concentration;
    const b = (1 - design.meanRate) * design.concentration;
    this.rates = Array.from({ length: design.cases }, () => beta(rng, a, b));
    // Cases differ in how much they cost (×1.6 per σ) and how long they take (×1.35 per σ).
    this.costs = Array.from({ length: design.cases }, () => 0.002 * Math.exp(0.5 * rng.normal()));
    this.latencies = Array.from({ length: design.cases }, () => 800 * Math.exp(0.3 * rng.normal()));
  }

  /** Case i's rate after a logit shift whose mean fall over the cases is `drop` (solved once per drop by bisection). */
  private logitRate(i: number, drop: number): number {
    const shifted = (p: number, m: number) => 1 / (1 + Math.exp(-(Math.log(p / (1 - p)) - m)));
    const clamp = (p: number) => Math.min(Math.max(p, 1e-9), 1 - 1e-9);
    let m = this.logitShifts.get(drop);
    if (m === undefined) {
      let lo = 0;
      let hi = 20;
      for (let it = 0; it < 60; it++) {
        const mid = (lo + hi) / 2;
        const fall = this.rates.reduce((s, p) => s + p - shifted(clamp(p), mid), 0) / this.rates.length;
        if (fall < drop) lo = mid;
        else hi = mid;
      }
      m = (lo + hi) / 2;
      this.logitShifts.set(drop, m);
    }
    return shifted(clamp(this.rates[i]!), m);
  }

  /** One hourly run with the given effect; `index` only names and times it. */
  run(effect: RunEffect, index = this.n++, periodMs = 3_600_000): RunPoint {
    const { rng, design } = this;
    const cases = [];
    const latencies: number[] = [];
    let cost = 0;
    let errored = 0;
    let scored = 0;
    let passed = 0;
    for (let i = 0; i < design.cases; i++) {
      const rate = effect.shape === "logit" && effect.drop > 0 ? this.logitRate(i, effect.drop) : Math.max(0, this.rates[i]! - effect.drop);
      let passes = 0;
      let caseScored = 0;
      let errors = 0;
      for (let r = 0; r < design.repeats; r++) {
        if (rng.uniform() < design.errorRate) {
          errors++;
          continue;
        }
        caseScored++;
        if (rng.uniform() < rate) passes++;
        // Trial-to-trial spread: cost ×1.35 per σ, latency ×1.5 per σ.
        cost += this.costs[i]! * effect.costFactor * Math.exp(0.3 * rng.normal());
        latencies.push(this.latencies[i]! * Math.exp(0.4 * rng.normal()));
      }
      errored += errors;
      scored += caseScored;
      passed += passes;
      cases.push({ id: `case-${i}`, scored: caseScored, passes, trials: design.repeats, errors, budgetExceeded: 0 });
    }
    const accuracy = scored > 0 ? passed / scored : 0;
    return {
      id: `run-${index}`,
      job: "sim",
      agent: "sim-agent",
      status: "completed",
      startedAt: new Date(this.start.getTime() + index * periodMs),
      goldenHash: "sim-golden",
      judgeModel: null,
      cases,
      trials: design.cases * design.repeats,
      scored,
      errored,
      budgetExceeded: 0,
      runaway: 0,
      costUsd: cost,
      p95Ms: latencies.length > 0 ? quantile(latencies, 0.95) : null,
      // The threshold detector is not configured in the simulation; the estimate is enough.
      accuracy: { estimate: accuracy, low: accuracy, high: accuracy },
      model: "sim-model-2024-01-01",
      fingerprint: null,
    };
  }
}
