import type { App } from "../app.ts";
import type { NotifyConfig } from "../config/schema.ts";
import { getSlackRef, setSlackRef } from "../notify/store.ts";
import { consoleNotifier } from "./console.ts";
import type { LifecyclePolicy } from "./lifecycle.ts";
import type { ChannelName, Notifier } from "./notifier.ts";
import type { DeliveryOptions } from "./outbox-worker.ts";
import { PAGERDUTY_API, pagerDutyNotifier } from "./pagerduty.ts";
import { slackClient, slackNotifier } from "./slack.ts";
import { webhookNotifier } from "./webhook.ts";

/** The lifecycle settings from `notify`. */
export function lifecyclePolicy(notify: NotifyConfig): LifecyclePolicy {
  return { for: notify.for, keepFiringFor: notify.keep_firing_for, repeatIntervalMs: notify.repeat_interval };
}

/** The outbox worker settings from `notify.delivery`. */
export function deliveryOptions(notify: NotifyConfig): Partial<DeliveryOptions> {
  const d = notify.delivery;
  return { pollMs: d.poll_interval, leaseMs: d.lease, maxBackoffMs: d.max_backoff, giveUpAfterMs: d.give_up_after };
}

/** Configured channels; the console is on when asked for, or when nothing else is configured. */
export function enabledChannels(notify: NotifyConfig): ChannelName[] {
  const out: ChannelName[] = [];
  if (notify.slack) out.push("slack");
  if (notify.pagerduty) out.push("pagerduty");
  if (notify.webhook) out.push("webhook");
  if (notify.console ?? out.length === 0) out.push("console");
  return out;
}

/** Builds the configured notifiers (one Slack WebClient per process). */
export function buildNotifiers(app: App, deps: { fetch?: typeof fetch } = {}): Notifier[] {
  const notify = app.loaded.config.notify;
  const now = () => app.clock.now();
  const http = deps.fetch ?? globalThis.fetch;
  const db = app.database.db;
  const out: Notifier[] = [];
  for (const channel of enabledChannels(notify)) {
    if (channel === "slack" && notify.slack) {
      const opts = {
        token: notify.slack.token,
        channel: notify.slack.channel,
        apiUrl: notify.slack.api_url,
        timeoutMs: notify.slack.timeout,
      };
      const refs = {
        get: (g: string) => getSlackRef(db, g),
        set: (g: string, r: { channel: string; ts: string }) => setSlackRef(db, g, r),
      };
      out.push(slackNotifier(opts, { client: slackClient(opts, app.log), refs, log: app.log }));
    } else if (channel === "pagerduty" && notify.pagerduty) {
      const p = notify.pagerduty;
      out.push(
        pagerDutyNotifier({ routingKey: p.routing_key, apiUrl: p.api_url ?? PAGERDUTY_API, timeoutMs: p.timeout }, { fetch: http, now }),
      );
    } else if (channel === "webhook" && notify.webhook) {
      const w = notify.webhook;
      out.push(webhookNotifier({ url: w.url, headers: w.headers, timeoutMs: w.timeout }, { fetch: http, now }));
    } else if (channel === "console") {
      out.push(consoleNotifier(app.log));
    }
  }
  return out;
}
