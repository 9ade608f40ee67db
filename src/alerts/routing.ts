import type { NotifyConfig } from "../config/schema.ts";
import type { LifecyclePolicy } from "./lifecycle.ts";
import type { Notification } from "./notification.ts";

/** The channels goldwatch delivers to. */
export type ChannelName = "slack" | "pagerduty" | "webhook" | "console";

/** Configured channels; the console is on when asked for, or when nothing else is configured. */
export function enabledChannels(notify: NotifyConfig): ChannelName[] {
  const out: ChannelName[] = [];
  if (notify.slack) out.push("slack");
  if (notify.pagerduty) out.push("pagerduty");
  if (notify.webhook) out.push("webhook");
  if (notify.console ?? out.length === 0) out.push("console");
  return out;
}

/** Whether a message means anything on a channel: PagerDuty only hears of alerts that start or stop firing. */
export function channelWants(channel: ChannelName, n: Notification): boolean {
  if (channel === "pagerduty") return n.alerts.some((a) => a.change === "new" || a.change === "resolved");
  return true;
}

/** The lifecycle settings from `notify`. */
export function lifecyclePolicy(notify: NotifyConfig): LifecyclePolicy {
  return { for: notify.for, keepFiringFor: notify.keep_firing_for, repeatIntervalMs: notify.repeat_interval };
}
