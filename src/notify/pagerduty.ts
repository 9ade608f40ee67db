import { roundForDisplay } from "../round.ts";
import { formatLabels } from "../alerts/labels.ts";
import type { AlertView, Notification } from "../alerts/notification.ts";
import { channelWants } from "../alerts/routing.ts";
import { httpOutcome, retryAfterMs, type Notifier, type SendOutcome } from "./notifier.ts";
import { readBounded } from "../net/read-bounded.ts";

/** A receiver's reply is read for its error message only: no more than this. */
const MAX_REPLY_BYTES = 64 * 1024;

/** From `notify.pagerduty`. */
export interface PagerDutyOptions {
  routingKey: string;
  /** Events API base (https://events.pagerduty.com, or https://events.eu.pagerduty.com). */
  apiUrl: string;
  timeoutMs: number;
}

/** The US service region's Events API. */
export const PAGERDUTY_API = "https://events.pagerduty.com";

/** PagerDuty's dedup key for an alert: stable for its fingerprint, so trigger and resolve meet. */
export const dedupKey = (fingerprint: string) => `goldwatch-${fingerprint}`;

/** The Events API v2 body for one alert's trigger or resolve. */
export function pagerDutyEvent(n: Notification, a: AlertView, routingKey: string): Record<string, unknown> {
  if (a.change === "resolved") return { routing_key: routingKey, event_action: "resolve", dedup_key: dedupKey(a.fingerprint) };
  const where = a.labels.case !== undefined ? ` case ${a.labels.case}` : "";
  const c = n.context;
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key: dedupKey(a.fingerprint),
    payload: {
      summary: `${n.job} ${a.labels.detector}${where}: ${a.summary}`.slice(0, 1024),
      source: `goldwatch/${n.agent}`,
      severity: a.severity,
      timestamp: a.firedAt ?? a.startsAt,
      component: n.agent,
      group: n.job,
      class: a.labels.detector,
      custom_details: {
        labels: formatLabels(a.labels),
        evidence: roundForDisplay(a.evidence),
        run: n.runId,
        ...(c?.accuracy ? { accuracy: c.accuracy } : {}),
        ...(c?.baseline ? { baseline: c.baseline } : {}),
        ...(c && c.failingCases.length > 0 ? { failing_cases: c.failingCases.map((f) => `${f.id} ${f.passes}/${f.scored}`) } : {}),
        ...(c?.runUrl ? { run_url: c.runUrl } : {}),
        ...(c ? { sql: c.sql } : {}),
      },
    },
    client: "goldwatch",
    ...pagerDutyLinks(n),
  };
}

/** The run page first (where the failing outputs are), then the job's dashboard; nothing without server.public_url. */
function pagerDutyLinks(n: Notification): { client_url?: string; links?: { href: string; text: string }[] } {
  const c = n.context;
  const links = [
    ...(c?.runUrl ? [{ href: c.runUrl, text: `goldwatch: run ${n.runId}` }] : []),
    ...(c?.dashboardUrl ? [{ href: c.dashboardUrl, text: `goldwatch: ${n.job}` }] : []),
  ];
  return links.length > 0 ? { client_url: links[0]!.href, links } : {};
}

/**
 * PagerDuty Events API v2: a trigger for each alert that starts firing, a resolve for each that
 * resolves, all with the same routing key and a dedup key from the fingerprint. Reminders are left
 * to PagerDuty's own escalation. Retrying a message re-sends its events, which the dedup keys make
 * harmless.
 */
export function pagerDutyNotifier(opts: PagerDutyOptions, deps: { fetch: typeof fetch; now: () => Date }): Notifier {
  const url = `${opts.apiUrl.replace(/\/+$/, "")}/v2/enqueue`;
  return {
    channel: "pagerduty",
    wants: (n) => channelWants("pagerduty", n),
    async send(n) {
      let dedup: string | undefined;
      for (const a of n.alerts) {
        if (a.change !== "new" && a.change !== "resolved") continue;
        let res: Response;
        try {
          res = await deps.fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", "user-agent": "goldwatch" },
            body: JSON.stringify(pagerDutyEvent(n, a, opts.routingKey)),
            signal: AbortSignal.timeout(opts.timeoutMs),
            redirect: "error",
          });
        } catch (e) {
          return { status: "retry", error: `PagerDuty unreachable: ${(e as Error).message}` };
        }
        const text = (await readBounded(res, MAX_REPLY_BYTES).catch(() => "")) ?? `(reply over ${MAX_REPLY_BYTES} bytes, not read)`;
        const outcome: SendOutcome = httpOutcome(
          res.status,
          text,
          retryAfterMs(res.headers.get("retry-after"), deps.now()),
          "check notify.pagerduty.routing_key: it must be the Integration Key of an Events API v2 integration",
        );
        if (outcome.status !== "sent") return outcome;
        dedup ??= dedupKey(a.fingerprint);
      }
      return { status: "sent", ...(dedup ? { ref: dedup } : {}) };
    },
  };
}
