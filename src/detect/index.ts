import type { Clock } from "../clock.ts";
import type { JobConfig } from "../config/schema.ts";
import type { Redactor } from "../config/secrets.ts";
import type { RunSummary } from "../engine/summary.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { detectRun } from "./detect-run.ts";
import { errorsFinding } from "./errors.ts";
import { missedRunFinding } from "./missed-runs.ts";
import { historyNeeded, resolvePolicy } from "./policy.ts";
import { finishedRunPoint, insertAnnotation, lastCompletedRuns, loadHistory, saveDetection } from "./store.ts";
import { runawayFinding } from "./spend.ts";
import { thresholdFinding } from "./threshold.ts";
import type { Finding } from "./types.ts";

/** What the detectors need. */
export interface DetectDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  secrets: Redactor;
}

/**
 * Runs every detector over a finished run and its history (src/detect/detect-run.ts), stores the
 * run's detection record (the drift state the next run continues from) and records a baseline
 * change as an annotation. If the database fails midway, the findings that need no history (the
 * fixed floor, agent errors, runaway trials) are still returned, so a page is never lost to a detector fault.
 */
export async function runDetectors(deps: DetectDeps, input: { jobName: string; job: JobConfig; summary: RunSummary }): Promise<Finding[]> {
  const { job, summary } = input;
  const { db, log } = deps;
  const now = deps.clock.now();
  const policy = resolvePolicy(job, now);
  // The finished run as its stored row reads (the same view as its history's), without reading it back.
  const current = finishedRunPoint(summary);
  try {
    const loaded = await loadHistory(db, current, historyNeeded(policy));
    const out = detectRun({ current, ...loaded, policy });
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
      log.info({ job: input.jobName, from: out.baselineChange.from, to: out.baselineChange.to }, "new baseline started");
    }
    return out.findings;
  } catch (e) {
    log.error(
      { job: input.jobName, runId: summary.runId, err: deps.secrets.redact((e as Error).message) },
      "detectors failed; reporting only the checks that need no history",
    );
    return [
      current.status === "runaway" ? undefined : thresholdFinding(policy.accuracyBelow, current),
      errorsFinding(current, null, policy),
      runawayFinding(current, null, policy),
    ].filter((f): f is Finding => f !== undefined);
  }
}

/**
 * Missed runs across every enabled job in `jobs`: one finding per job without a completed run for
 * two schedule periods (src/detect/missed-runs.ts). Meant to be called periodically by the service
 * (a run that never happens cannot trigger its own detectors).
 */
export async function checkMissedRuns(db: Db, jobs: Readonly<Record<string, JobConfig>>, now: Date): Promise<Finding[]> {
  const last = await lastCompletedRuns(db);
  const out: Finding[] = [];
  for (const [name, job] of Object.entries(jobs)) {
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
