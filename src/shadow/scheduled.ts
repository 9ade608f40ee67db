import { handleCheckFindings, type AlertDeps } from "../alerts/index.ts";
import type { ShadowConfig } from "../config/schema.ts";
import { SHADOW_DETECTOR, shadowFindings } from "./findings.ts";
import { runShadow, type ShadowDeps, type ShadowResult } from "./run-shadow.ts";

/** Scheduler job names of shadow jobs: their own, so their slot claims never meet a replay job's. */
export const SCHEDULE_PREFIX = "shadow:";

/** What a scheduled shadow run needs; `jobs` is a getter so a config reload applies. */
export interface ScheduledShadowDeps {
  shadow: ShadowDeps;
  alerts: AlertDeps;
  jobs: () => ShadowConfig["jobs"];
}

/**
 * Runs a shadow job for a claimed slot and steps its alert: a fail fires (pages) through the same
 * lifecycle as every other alert, a pass clears, an inconclusive run leaves the alert as it is.
 * Undefined when the job was removed by a reload since the slot was claimed.
 */
export async function runScheduledShadow(
  deps: ScheduledShadowDeps,
  jobName: string,
  opts: { runId?: string; slotAt?: Date; signal?: AbortSignal },
): Promise<ShadowResult | undefined> {
  const job = deps.jobs()[jobName];
  if (!job) return undefined;
  const result = await runShadow(deps.shadow, {
    jobName,
    job,
    trigger: "schedule",
    ...(opts.runId ? { runId: opts.runId } : {}),
    ...(opts.slotAt ? { slotAt: opts.slotAt } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const findings = shadowFindings(result);
  if (findings) {
    await handleCheckFindings(deps.alerts, {
      jobName,
      agent: result.candidate,
      checkId: result.runId,
      detectors: [SHADOW_DETECTOR],
      findings,
    });
  }
  return result;
}

/** The shadow jobs with a schedule, as the scheduler's job table (src/schedule/jobs.ts). */
export function scheduledShadowJobs(jobs: ShadowConfig["jobs"]) {
  return {
    jobs: Object.fromEntries(
      Object.entries(jobs).flatMap(([name, j]) =>
        j.schedule === undefined
          ? []
          : [
              [
                `${SCHEDULE_PREFIX}${name}`,
                { schedule: j.schedule, timezone: j.timezone, enabled: j.enabled, grace: 5 * 60_000, catch_up: 0 },
              ],
            ],
      ),
    ),
  };
}
