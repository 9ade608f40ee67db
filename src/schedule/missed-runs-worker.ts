import { handleCheckFindings, type AlertDeps } from "../alerts/index.ts";
import type { JobConfig } from "../config/schema.ts";
import { checkMissedRuns } from "../detect/index.ts";
import { startPeriodic, type PeriodicWorker } from "../periodic.ts";

/** How often every job is checked for missed runs. */
const CHECK_EVERY_MS = 60_000;

/**
 * A run that never happens cannot trigger its own detectors: this worker checks every enabled job
 * for missed runs once a minute and steps only the `missed` alerts (a finding fires one, its
 * absence clears it; the job's other alerts are left to its runs). A failing pass (database down)
 * is logged and tried again next minute.
 */
export function startMissedRunsWorker(deps: { alerts: AlertDeps; jobs: () => Record<string, JobConfig> }): PeriodicWorker {
  const { alerts } = deps;
  const pass = async () => {
    const now = alerts.clock.now();
    const jobs = deps.jobs();
    try {
      const findings = await checkMissedRuns(alerts.db, jobs, now);
      const byJob = new Map(findings.map((f) => [f.job, f]));
      for (const [name, job] of Object.entries(jobs)) {
        if (!job.enabled) continue;
        const f = byJob.get(name);
        // One check id per job and minute: a retried pass does not step an alert twice.
        const checkId = `missed-check:${new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString()}`;
        // One job's failure does not keep the others from being checked.
        await handleCheckFindings(alerts, {
          jobName: name,
          agent: job.agent,
          checkId,
          detectors: ["missed"],
          findings: f ? [f] : [],
        }).catch((e: Error) =>
          alerts.log.warn({ job: name, err: alerts.secrets.redact(e.message) }, "recording a missed-run check failed; will retry"),
        );
      }
    } catch (e) {
      alerts.log.warn({ err: alerts.secrets.redact((e as Error).message) }, "checking for missed runs failed; will retry");
    }
  };
  return startPeriodic("missed-runs", alerts.clock, CHECK_EVERY_MS, pass);
}
