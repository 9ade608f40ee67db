import type { Logger } from "../log.ts";
import { plainText } from "./format.ts";
import type { Notifier } from "./notifier.ts";

/** The default channel with no Slack, PagerDuty or webhook configured: alerts as log lines. */
export function consoleNotifier(log: Logger): Notifier {
  return {
    channel: "console",
    wants: () => true,
    async send(n) {
      const level = n.kind === "resolved" ? "info" : "warn";
      log[level]({ alert: n.kind, job: n.job, agent: n.agent, runId: n.runId, group: n.groupKey, alerts: n.alerts.length }, plainText(n));
      return { status: "sent" };
    },
  };
}
