import { accuracyInterval } from "../../src/stats/intervals.ts";
import type { Db } from "../../src/store/db.ts";
import { finishRun, insertRun, type RunStatus } from "../../src/store/runs.ts";

/** One case's counts in a seeded run. */
export interface SeedCase {
  id: string;
  passes: number;
  scored: number;
}

export interface SeedRun {
  job: string;
  at: Date;
  cases: SeedCase[];
  agent?: string;
  model?: string;
  judgeModel?: string;
  goldenHash?: string;
  costUsd?: number;
  p95Ms?: number;
  status?: RunStatus;
  trigger?: "schedule" | "manual" | "gate";
}

let seq = 0;

/**
 * Stores a run the way the engine does: insertRun (running), then finishRun with its aggregates.
 * The accuracy interval comes from the engine's own statistics, so views can be checked against it.
 */
export async function seedRun(db: Db, r: SeedRun): Promise<string> {
  const id = `run-${r.job}-${r.at.toISOString()}-${seq++}`;
  const repeats = Math.max(1, ...r.cases.map((c) => c.scored));
  await insertRun(db, {
    id,
    job: r.job,
    agent: r.agent ?? `${r.job}-agent`,
    trigger: r.trigger ?? "schedule",
    slotAt: r.at,
    goldenName: "golden",
    goldenHash: r.goldenHash ?? "hash-1",
    judgeModel: r.judgeModel ?? "judge-1",
    status: "running",
    replica: "test",
    startedAt: r.at,
    heartbeatAt: r.at,
    cases: r.cases.length,
    repeats,
  });
  const acc = accuracyInterval(r.cases.map((c) => ({ passes: c.passes, trials: c.scored })));
  const trials = r.cases.reduce((s, c) => s + c.scored, 0);
  const passed = r.cases.reduce((s, c) => s + c.passes, 0);
  const finished = new Date(r.at.getTime() + 30_000);
  await finishRun(db, id, {
    status: r.status ?? "completed",
    finishedAt: finished,
    heartbeatAt: finished,
    trials,
    scored: trials,
    passed,
    accuracy: acc.estimate,
    ciLow: acc.low,
    ciHigh: acc.high,
    ciMethod: acc.method,
    errorRate: 0,
    p50Ms: (r.p95Ms ?? 1000) / 2,
    p95Ms: r.p95Ms ?? 1000,
    inputTokens: trials * 100,
    outputTokens: trials * 50,
    costUsd: r.costUsd ?? 0.01 * r.cases.length,
    agentModel: r.model ?? "model-a",
    caseStats: r.cases.map((c) => ({
      id: c.id,
      trials: c.scored,
      scored: c.scored,
      passes: c.passes,
      errors: 0,
      budgetExceeded: 0,
      judgeErrors: 0,
      rate: c.passes / c.scored,
    })),
  });
  return id;
}

/** `n` cases named c0..c{n-1} with the given passes out of `scored` each. */
export const cases = (passes: readonly number[], scored: number): SeedCase[] => passes.map((p, i) => ({ id: `c${i}`, passes: p, scored }));

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
