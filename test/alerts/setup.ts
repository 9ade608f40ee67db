import { randomUUID } from "node:crypto";
import type { App } from "../../src/app.ts";
import { createApp } from "../../src/app.ts";
import type { Clock } from "../../src/clock.ts";
import { ManualClock } from "../helpers/clock.ts";
import type { LoadedConfig } from "../../src/load/load.ts";
import { configSchema } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import type { Finding } from "../../src/detect/types.ts";
import { summarize, type RunSummary } from "../../src/engine/summary.ts";
import type { GoldwatchEvents } from "../../src/engine/events.ts";
import { silentLogger, type Logger } from "../../src/log.ts";
import type { Database } from "../../src/store/db.ts";
import { finishRun, insertRun, type RunStatus } from "../../src/store/runs.ts";
import { insertTrials } from "../../src/store/trials.ts";

export type { ManualClock } from "../helpers/clock.ts";

/** The shared manual clock, from the alerts tests' usual start (they step it with `tick`). */
export function manualClock(start = new Date("2025-06-02T08:00:00Z")): ManualClock {
  return new ManualClock(start);
}

export const HOUR = 3_600_000;

/** An App over a test database with a config built in memory (no files needed). */
export function testApp(
  database: Database,
  opts: {
    notify?: Record<string, unknown>;
    server?: Record<string, unknown>;
    clock?: Clock;
    log?: Logger;
    secrets?: Secrets;
    jobs?: string[];
  } = {},
): App {
  const jobs = Object.fromEntries(
    (opts.jobs ?? ["support-hourly"]).map((j) => [
      j,
      { agent: "support-bot", golden: "golden.yaml", schedule: "0 * * * *", alerts: { accuracy_below: 0.85 } },
    ]),
  );
  const config = configSchema.parse({
    agents: { "support-bot": { kind: "demo" } },
    jobs,
    notify: opts.notify ?? {},
    ...(opts.server ? { server: opts.server } : {}),
  });
  const loaded: LoadedConfig = {
    file: "/tmp/goldwatch.config.yaml",
    dir: "/tmp",
    config,
    goldens: new Map(),
    secrets: opts.secrets ?? new Secrets(),
  };
  return createApp(loaded, database, opts.log ?? silentLogger(), opts.clock);
}

/** Per-case results of a stored run. */
export interface CaseResult {
  id: string;
  passes: number;
  scored: number;
  errors?: number;
  /** Cost of each trial of this case. */
  usd?: number;
}

/**
 * Stores a finished run (row and trials) as the engine would and returns its summary, so alert
 * messages can read real run history.
 */
export async function storeRun(
  app: App,
  opts: { job?: string; cases: CaseResult[]; status?: RunStatus; goldenHash?: string },
): Promise<RunSummary> {
  const db = app.database.db;
  const job = opts.job ?? "support-hourly";
  const runId = randomUUID();
  const at = app.clock.now();
  const status = opts.status ?? "completed";
  const repeats = Math.max(...opts.cases.map((c) => c.scored + (c.errors ?? 0)));
  await insertRun(db, {
    id: runId,
    job,
    agent: "support-bot",
    trigger: "schedule",
    goldenName: "support",
    goldenHash: opts.goldenHash ?? "hash-1",
    status: "running",
    replica: "test",
    startedAt: at,
    heartbeatAt: at,
    cases: opts.cases.length,
    repeats,
  });
  const trials = opts.cases.flatMap((c) =>
    Array.from({ length: c.scored + (c.errors ?? 0) }, (_, i) => {
      const error = i >= c.scored;
      const passed = !error && i < c.passes;
      return {
        runId,
        caseId: c.id,
        repeat: i,
        startedAt: at,
        latencyMs: 100,
        status: error ? "error" : passed ? "pass" : "fail",
        passed,
        score: passed ? 1 : 0,
        output: "answer",
        inputTokens: 100,
        outputTokens: 50,
        costUsd: error ? 0 : (c.usd ?? 0.001),
      };
    }),
  );
  await insertTrials(db, trials);
  const agg = {
    cases: opts.cases.map((c) => ({
      id: c.id,
      trials: c.scored + (c.errors ?? 0),
      scored: c.scored,
      passes: c.passes,
      errors: c.errors ?? 0,
      budgetExceeded: 0,
      judgeErrors: 0,
    })),
    p50Ms: 100,
    p95Ms: 100,
    inputTokens: 100 * trials.length,
    outputTokens: 50 * trials.length,
    costUsd: trials.reduce((s, t) => s + t.costUsd, 0),
    model: "demo",
    fingerprint: null,
  };
  const summary = summarize(
    {
      runId,
      job,
      agent: "support-bot",
      status,
      goldenName: "support",
      goldenHash: opts.goldenHash ?? "hash-1",
      startedAt: at,
      finishedAt: at,
      cases: opts.cases.length,
      repeats,
    },
    agg,
  );
  const acc = summary.accuracy;
  await finishRun(db, runId, {
    status,
    finishedAt: at,
    trials: summary.trials,
    scored: summary.scored,
    passed: summary.passed,
    errored: summary.errored,
    accuracy: acc?.estimate ?? null,
    ciLow: acc?.low ?? null,
    ciHigh: acc?.high ?? null,
    costUsd: summary.costUsd,
    caseStats: summary.perCase,
  });
  return summary;
}

/** Ten cases, five repeats, all passing. */
export const healthyCases = (usd = 0.001): CaseResult[] =>
  Array.from({ length: 10 }, (_, i) => ({ id: `case-${i}`, passes: 5, scored: 5, usd }));

/** Ten cases, five repeats, the first `broken` cases failing every trial. */
export const droppedCases = (broken = 4, usd = 0.001): CaseResult[] =>
  Array.from({ length: 10 }, (_, i) => ({ id: `case-${i}`, passes: i < broken ? 0 : 5, scored: 5, usd }));

/** A threshold finding for a summary, as src/detect produces it. */
export function thresholdFinding(s: RunSummary, extra: Partial<Finding> = {}): Finding {
  const a = s.accuracy!;
  return {
    detector: "threshold",
    job: s.job,
    agent: s.agent,
    severity: "critical",
    summary: `accuracy ${(a.estimate * 100).toFixed(1)}% [${(a.low * 100).toFixed(1)}, ${(a.high * 100).toFixed(1)}] is below the floor 85%`,
    evidence: { accuracy: a.estimate, low: a.low, high: a.high, floor: 0.85, runId: s.runId },
    ...extra,
  };
}

/** Resolves with the first event of `name` that satisfies `pred`, or rejects after `ms`. */
export function nextEvent<K extends keyof GoldwatchEvents>(
  app: App,
  name: K,
  pred: (...args: GoldwatchEvents[K]) => boolean = () => true,
  ms = 10_000,
): Promise<GoldwatchEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      app.events.off(name, on as never);
      reject(new Error(`no ${String(name)} event within ${ms} ms`));
    }, ms);
    const on = (...args: GoldwatchEvents[K]) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      app.events.off(name, on as never);
      resolve(args);
    };
    app.events.on(name, on as never);
  });
}
