import type { App } from "../app.ts";
import type { JobConfig } from "../config/schema.ts";
import type { RunSummary } from "../engine/summary.ts";
import { detectRun } from "./detect-run.ts";
import { errorsFinding } from "./errors.ts";
import { missedRunFinding } from "./missed-runs.ts";
import { historyNeeded, resolvePolicy } from "./policy.ts";
import { insertAnnotation, lastCompletedRuns, loadHistory, saveDetection } from "./store.ts";
import { runawayFinding } from "./spend.ts";
import { thresholdFinding } from "./threshold.ts";
import type { Finding, RunPoint } from "./types.ts";

export type { Finding };

/**
 * Runs every detector over a finished run and its history (src/detect/detect-run.ts), stores the
 * run's detection record (the drift state the next run continues from) and records a baseline
 * change as an annotation. If the database fails midway, the findings that need no history (the
 * fixed floor, agent errors, runaway trials) are still returned, so a page is never lost to a detector fault.
 */
export async function runDetectors(app: App, input: { jobName: string; job: JobConfig; summary: RunSummary }): Promise<Finding[]> {
  const { job, summary } = input;
  const now = app.clock.now();
  const policy = resolvePolicy(job, now);
  try {
    const db = app.database.db;
    const loaded = await loadHistory(db, summary.runId, historyNeeded(policy));
    if (!loaded) throw new Error(`run ${summary.runId} is not in the database`);
    const out = detectRun({ ...loaded, policy });
    await saveDetection(db, out.record, now);
    if (out.baselineChange) {
      await insertAnnotation(db, {
        job: input.jobName,
        agent: summary.agent,
        at: new Date(summary.startedAt),
        kind: "baseline",
        message: `new baseline: ${out.baselineChange.reason}`,
        runId: summary.runId,
        data: out.baselineChange,
      });
      app.log.info({ job: input.jobName, from: out.baselineChange.from, to: out.baselineChange.to }, "new baseline started");
    }
    return out.findings;
  } catch (e) {
    app.log.error(
      { job: input.jobName, runId: summary.runId, err: app.loaded.secrets.redact((e as Error).message) },
      "detectors failed; reporting only the checks that need no history",
    );
    const point = summaryPoint(summary);
    return [
      point.status === "runaway" ? undefined : thresholdFinding(policy.accuracyBelow, point),
      errorsFinding(point, null, policy),
      runawayFinding(point, null, policy),
    ].filter((f): f is Finding => f !== undefined);
  }
}

/** The detectors' view of a summary (for the history-free fallback). */
function summaryPoint(s: RunSummary): RunPoint {
  return {
    id: s.runId,
    job: s.job,
    agent: s.agent,
    status: s.status,
    startedAt: new Date(s.startedAt),
    goldenHash: s.goldenHash,
    judgeModel: null,
    cases: s.perCase.map((c) => ({
      id: c.id,
      scored: c.scored,
      passes: c.passes,
      trials: c.trials,
      errors: c.errors,
      budgetExceeded: c.budgetExceeded,
    })),
    trials: s.trials,
    scored: s.scored,
    errored: s.errored,
    budgetExceeded: s.budgetExceeded,
    runaway: s.runaway,
    runawayBy: s.runawayBy,
    costUsd: s.costUsd,
    p95Ms: s.latency.p95Ms,
    accuracy: s.accuracy ? { estimate: s.accuracy.estimate, low: s.accuracy.low, high: s.accuracy.high } : null,
    model: s.model,
    fingerprint: s.fingerprint,
  };
}

/**
 * Missed runs across every enabled job: one finding per job without a completed run for two
 * schedule periods (src/detect/missed-runs.ts). Meant to be called periodically by the service
 * (a run that never happens cannot trigger its own detectors).
 */
export async function checkMissedRuns(app: App, now: Date = app.clock.now()): Promise<Finding[]> {
  const last = await lastCompletedRuns(app.database.db);
  const out: Finding[] = [];
  for (const [name, job] of Object.entries(app.loaded.config.jobs)) {
    if (!job.enabled) continue;
    const l = last.get(name);
    const f = missedRunFinding(
      { job: name, agent: job.agent, schedule: job.schedule, timezone: job.timezone, lastCompletedAt: l?.startedAt ?? null },
      now,
    );
    if (f) out.push(f);
  }
  return out;
}
