import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.ts";
import type { Clock } from "../../src/clock.ts";
import type { LoadedConfig } from "../../src/load/load.ts";
import { configSchema } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { checkMissedRuns, runDetectors } from "../../src/detect/index.ts";
import { listAnnotations } from "../../src/detect/store.ts";
import { summarize, type RunSummary } from "../../src/engine/summary.ts";
import { silentLogger } from "../../src/log.ts";
import type { Database } from "../../src/store/db.ts";
import { aggregateTrials, finishRun, insertRun } from "../../src/store/runs.ts";
import { detectionRuns } from "../../src/store/tables/detection.ts";
import { insertTrials } from "../../src/store/trials.ts";
import { detectDeps } from "./helpers.ts";
import { testDatabase } from "../helpers/db.ts";

const HOUR = 3_600_000;
const START = new Date("2024-05-01T00:00:00Z").getTime();

function fixedClock(at: () => number): Clock {
  return { now: () => new Date(at()), sleep: () => Promise.resolve() };
}

function appFor(database: Database, clock: Clock, alerts: Record<string, unknown> = {}): App {
  const config = configSchema.parse({
    agents: { bot: { kind: "demo" }, other: { kind: "demo" } },
    jobs: { hourly: { agent: "bot", golden: "golden.yaml", schedule: "0 * * * *", alerts } },
  });
  const loaded: LoadedConfig = { file: "/tmp/goldwatch.config.yaml", dir: "/tmp", config, goldens: new Map(), secrets: new Secrets() };
  return createApp(loaded, database, silentLogger(), clock);
}

/** Stores a finished run (row and one trial per scored attempt) and returns its summary. */
async function storeRun(
  app: App,
  opts: { at: number; passes: number[]; repeats?: number; goldenHash?: string; trigger?: string; agent?: string; loops?: number },
): Promise<RunSummary> {
  const db = app.database.db;
  const runId = randomUUID();
  const repeats = opts.repeats ?? 5;
  const at = new Date(opts.at);
  const agent = opts.agent ?? "bot";
  const goldenHash = opts.goldenHash ?? "golden-1";
  await insertRun(db, {
    id: runId,
    job: "hourly",
    agent,
    trigger: opts.trigger ?? "schedule",
    goldenName: "g",
    goldenHash,
    status: "running",
    replica: "t",
    startedAt: at,
    heartbeatAt: at,
    cases: opts.passes.length,
    repeats,
  });
  const rows = opts.passes.flatMap((p, c) =>
    Array.from({ length: repeats }, (_, r) => ({
      runId,
      caseId: `c${c}`,
      repeat: r,
      startedAt: at,
      latencyMs: 100,
      status: r < p ? "pass" : "fail",
      passed: r < p,
      score: r < p ? 1 : 0,
      inputTokens: 10,
      outputTokens: 10,
      costUsd: 0.001,
      // The first `loops` trials of case 0 repeated a tool call.
      assertions: c === 0 && r < (opts.loops ?? 0) ? [{ type: "trajectory", passed: false, reason: "loop", kind: "loop" }] : null,
    })),
  );
  await insertTrials(db, rows);
  const agg = {
    cases: opts.passes.map((p, c) => ({
      id: `c${c}`,
      trials: repeats,
      scored: repeats,
      passes: p,
      errors: 0,
      budgetExceeded: 0,
      judgeErrors: 0,
    })),
    p50Ms: 100,
    p95Ms: 100,
    inputTokens: 10 * rows.length,
    outputTokens: 10 * rows.length,
    costUsd: 0.001 * rows.length,
    model: "m-2024-01-01",
    fingerprint: null,
  };
  const summary = summarize(
    {
      runId,
      job: "hourly",
      agent,
      status: "completed",
      goldenName: "g",
      goldenHash,
      startedAt: at,
      finishedAt: at,
      cases: opts.passes.length,
      repeats,
    },
    agg,
  );
  const a = summary.accuracy;
  await finishRun(db, runId, {
    status: "completed",
    finishedAt: at,
    trials: summary.trials,
    scored: summary.scored,
    passed: summary.passed,
    errored: 0,
    accuracy: a?.estimate ?? null,
    ciLow: a?.low ?? null,
    ciHigh: a?.high ?? null,
    costUsd: summary.costUsd,
    p95Ms: 100,
    agentModel: "m-2024-01-01",
    caseStats: summary.perCase,
  });
  return summary;
}

// Ten cases, five repeats; healthy runs pass everything but one trial of case 9.
const healthy = () => [5, 5, 5, 5, 5, 5, 5, 5, 5, 4];

describe("runDetectors against the database", () => {
  let database: Awaited<ReturnType<typeof testDatabase>>;
  let now = START;
  let app: App;
  const job = () => app.loaded.config.jobs.hourly!;

  beforeAll(async () => {
    database = await testDatabase();
    app = appFor(
      database,
      fixedClock(() => now),
      { accuracy_below: 0.5 },
    );
  });
  afterAll(() => database.close());

  it("judges each run against the stored history and keeps its state in detection_runs", async () => {
    for (let i = 0; i < 12; i++) {
      now = START + i * HOUR;
      const s = await storeRun(app, { at: now, passes: healthy() });
      expect(await runDetectors(detectDeps(app), { jobName: "hourly", job: job(), summary: s })).toEqual([]);
    }
    // A gate run of another agent with terrible accuracy must not enter the job's baseline.
    await storeRun(app, { at: START + 12 * HOUR - 1000, passes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], trigger: "gate", agent: "other" });
    now = START + 12 * HOUR;
    const dropped = await storeRun(app, { at: now, passes: [0, 0, 0, 5, 5, 5, 5, 5, 5, 4] });
    const findings = await runDetectors(detectDeps(app), { jobName: "hourly", job: job(), summary: dropped });
    expect(findings.map((f) => f.detector)).toContain("drop");
    const [row] = await database.db.select().from(detectionRuns).where(eq(detectionRuns.runId, dropped.runId));
    expect(row).toMatchObject({ job: "hourly", baselineRuns: 12, baselineKey: "golden-1|" });
    expect(row!.z!).toBeLessThan(-3);
    expect(row!.findings).toContain("drop");
  });

  it("records a new golden set as an annotation, not an alert", async () => {
    now = START + 13 * HOUR;
    const s = await storeRun(app, { at: now, passes: [0, 0, 0, 0, 5, 5, 5, 5, 5, 5], goldenHash: "golden-2" });
    const findings = await runDetectors(detectDeps(app), { jobName: "hourly", job: job(), summary: s });
    expect(findings.map((f) => f.detector)).not.toContain("drop");
    const notes = await listAnnotations(database.db, "hourly");
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ kind: "baseline", runId: s.runId });
    expect(notes[0]!.message).toContain("golden set golden-1");
  });

  it("counts looping trials of the current run from its trials", async () => {
    now = START + 14 * HOUR;
    const s = await storeRun(app, { at: now, passes: healthy(), goldenHash: "golden-2", loops: 3 });
    // As the engine counts them for the run's summary, which the detectors read (summary.runaway).
    const runaway = (await aggregateTrials(database.db, s.runId)).cases.reduce((n, c) => n + (c.runaway ?? 0), 0);
    expect(runaway).toBe(3);
  });

  it("reports a job whose runs stopped coming", async () => {
    now = START + 14 * HOUR + 30 * 60_000;
    const missedRuns = () => checkMissedRuns(database.db, app.loaded.config.jobs, app.clock.now());
    expect(await missedRuns()).toEqual([]);
    now = START + 16 * HOUR + 30 * 60_000;
    const missed = await missedRuns();
    expect(missed.map((f) => [f.detector, f.job])).toEqual([["missed", "hourly"]]);
  });

  it("still reports what needs no history when the database fails", async () => {
    now = START + 20 * HOUR;
    const s = await storeRun(app, { at: now, passes: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1], goldenHash: "golden-2" });
    const down = new Proxy({} as Database["db"], {
      get() {
        throw new Error("connection refused");
      },
    });
    const broken = appFor(
      { ...database, db: down },
      fixedClock(() => now),
      { accuracy_below: 0.5 },
    );
    const findings = await runDetectors(detectDeps(broken), { jobName: "hourly", job: broken.loaded.config.jobs.hourly!, summary: s });
    expect(findings.map((f) => f.detector)).toEqual(["threshold"]);
    const stored = () => database.db.select().from(detectionRuns).where(eq(detectionRuns.runId, s.runId));
    expect(await stored()).toHaveLength(0);
    // With the database up, the same run is judged and its record stored.
    expect((await runDetectors(detectDeps(app), { jobName: "hourly", job: job(), summary: s })).map((f) => f.detector)).toEqual([
      "threshold",
    ]);
    expect(await stored()).toHaveLength(1);
  });
});
