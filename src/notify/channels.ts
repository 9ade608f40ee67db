import { enabledChannels } from "../alerts/routing.ts";
import type { Clock } from "../clock.ts";
import type { NotifyConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { consoleNotifier } from "./console.ts";
import type { Notifier } from "./notifier.ts";
import type { DeliveryOptions } from "./outbox-worker.ts";
import { PAGERDUTY_API, pagerDutyNotifier } from "./pagerduty.ts";
import { slackClient, slackNotifier } from "./slack.ts";
import { getSlackRef, setSlackRef } from "./store.ts";
import { webhookNotifier } from "./webhook.ts";

/** The outbox worker settings from `notify.delivery`. */
export function deliveryOptions(notify: NotifyConfig): Partial<DeliveryOptions> {
  const d = notify.delivery;
  return { pollMs: d.poll_interval, leaseMs: d.lease, maxBackoffMs: d.max_backoff, giveUpAfterMs: d.give_up_after };
}

/** What the channels need: the database (Slack refs), time, a log and how to make HTTP calls. */
export interface ChannelDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  fetch?: typeof fetch;
}

/** Builds the notifiers `notify` configures (one Slack WebClient per call). */
export function buildNotifiers(notify: NotifyConfig, deps: ChannelDeps): Notifier[] {
  const { db, log } = deps;
  const now = () => deps.clock.now();
  const http = deps.fetch ?? globalThis.fetch;
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
      out.push(slackNotifier(opts, { client: slackClient(opts, log), refs, log, now }));
    } else if (channel === "pagerduty" && notify.pagerduty) {
      const p = notify.pagerduty;
      out.push(
        pagerDutyNotifier({ routingKey: p.routing_key, apiUrl: p.api_url ?? PAGERDUTY_API, timeoutMs: p.timeout }, { fetch: http, now }),
      );
    } else if (channel === "webhook" && notify.webhook) {
      const w = notify.webhook;
      out.push(webhookNotifier({ url: w.url, headers: w.headers, timeoutMs: w.timeout }, { fetch: http, now }));
    } else if (channel === "console") {
      out.push(consoleNotifier(log));
    }
  }
  return out;
}
