import type { App } from "../app.ts";
import type { JobConfig } from "../config/schema.ts";
import type { RunSummary } from "../engine/summary.ts";
import { errorRateFinding, thresholdFinding, type Finding } from "./threshold.ts";

export type { Finding };

/** Runs every detector over a finished run and its history. */
export async function runDetectors(_app: App, input: { jobName: string; job: JobConfig; summary: RunSummary }): Promise<Finding[]> {
  return [thresholdFinding(input.job, input.summary), errorRateFinding(input.summary)].filter((f): f is Finding => f !== undefined);
}
