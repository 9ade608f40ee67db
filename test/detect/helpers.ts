import type { App } from "../../src/app.ts";
import type { DetectDeps } from "../../src/detect/index.ts";
import { resolvePolicy, type DetectionPolicy } from "../../src/detect/policy.ts";
import type { CaseStat, RunPoint } from "../../src/detect/types.ts";
import { createRng } from "../../src/stats/rng.ts";
import { IN_CONTROL, SimAgent, type RunEffect } from "../../bench/detection-sim.ts";

/** The detectors' services from a test's application. */
export const detectDeps = (app: App): DetectDeps => ({ db: app.database.db, clock: app.clock, log: app.log, secrets: app.loaded.secrets });

/** The default policy of an hourly job, with overrides to its alerts options. */
export function hourlyPolicy(alerts: Partial<Parameters<typeof resolvePolicy>[0]["alerts"]> = {}): DetectionPolicy {
  return resolvePolicy({
    schedule: "0 * * * *",
    timezone: "UTC",
    alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48, ...alerts },
  });
}

/** One case's counts in a run: `passes` of `scored` trials, no errors. */
export const caseStat = (id: string, scored: number, passes: number): CaseStat => ({
  id,
  scored,
  passes,
  trials: scored,
  errors: 0,
  budgetExceeded: 0,
});

/** A run point with `k` cases of given pass counts out of `n`, and sensible defaults for the rest. */
export function point(over: Partial<RunPoint> & { passes?: number[]; n?: number } = {}): RunPoint {
  const n = over.n ?? 5;
  const passes = over.passes ?? Array.from({ length: 10 }, () => n);
  const cases: CaseStat[] =
    over.cases ?? passes.map((p, i) => ({ id: `c${i}`, scored: n, passes: p, trials: n, errors: 0, budgetExceeded: 0 }));
  const scored = cases.reduce((s, c) => s + c.scored, 0);
  const passed = cases.reduce((s, c) => s + c.passes, 0);
  const acc = scored > 0 ? passed / scored : 0;
  const { passes: _p, n: _n, ...rest } = over;
  return {
    id: "run",
    job: "job",
    agent: "bot",
    status: "completed",
    startedAt: new Date("2024-05-01T00:00:00Z"),
    goldenHash: "g1",
    judgeModel: null,
    cases,
    trials: cases.reduce((s, c) => s + c.trials, 0),
    scored,
    errored: cases.reduce((s, c) => s + c.errors, 0),
    budgetExceeded: 0,
    costUsd: 0.01 * scored,
    p95Ms: 1000,
    accuracy: { estimate: acc, low: acc - 0.05, high: acc + 0.05 },
    model: "m-2024-01-01",
    fingerprint: null,
    ...rest,
  };
}

/** A seeded simulated agent (the bench's) and its first `runs` in-control runs, newest first. */
export function simulated(seed: number, runs: number, design = { cases: 40, repeats: 5, meanRate: 0.85, concentration: 10, errorRate: 0 }) {
  const agent = new SimAgent(createRng(seed), design, new Date("2024-05-01T00:00:00Z"));
  const history: RunPoint[] = [];
  for (let i = 0; i < runs; i++) history.unshift(agent.run(IN_CONTROL, i));
  return { agent, history, next: (effect: RunEffect = IN_CONTROL) => agent.run(effect, runs) };
}
