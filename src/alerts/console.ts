import type { Finding } from "../detect/threshold.ts";
import type { Logger } from "../log.ts";

/** The default notifier with no Slack or PagerDuty configured: alerts as log lines. */
export function notifyConsole(log: Logger, findings: readonly Finding[]): void {
  for (const f of findings) {
    log.warn({ alert: f.detector, severity: f.severity, job: f.job, agent: f.agent, evidence: f.evidence }, `ALERT ${f.job}: ${f.summary}`);
  }
}
