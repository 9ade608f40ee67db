import type { App } from "../app.ts";
import type { JobConfig } from "../config/schema.ts";
import type { Finding } from "../detect/index.ts";
import type { RunSummary } from "../engine/summary.ts";
import { notifyConsole } from "./console.ts";

/** Turns a run's findings into alerts and notifications. */
export async function handleFindings(
  app: App,
  input: { jobName: string; job: JobConfig; summary: RunSummary; findings: Finding[] },
): Promise<void> {
  if (app.loaded.config.notify.console) notifyConsole(app.log, input.findings);
}
