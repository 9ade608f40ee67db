import type { Notification } from "../alerts/notification.ts";
import type { ChannelName } from "../alerts/routing.ts";

/**
 * How one delivery attempt ended. Expected failures are data: `retry` keeps the row queued
 * (`retryAfterMs` when the other side said how long to wait), `failed` gives up for good with the
 * fix an operator needs.
 */
export type SendOutcome =
  | { status: "sent"; ref?: string }
  | { status: "retry"; error: string; retryAfterMs?: number }
  | { status: "failed"; error: string; fix?: string };

/** One delivery channel. */
export interface Notifier {
  readonly channel: ChannelName;
  /** Whether this message means anything here (PagerDuty has no use for reminders). */
  wants(n: Notification): boolean;
  /** `attempt`: 1 on the first try; more when an earlier try may have got through before its outcome was lost. */
  send(n: Notification, meta: { outboxId: number; dedupKey: string; attempt?: number }): Promise<SendOutcome>;
}

/** Parses an HTTP Retry-After header (seconds or a date) to milliseconds from `now`. */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Outcome of a plain HTTP delivery by status code: 2xx sent, 408/429/5xx retried, other 4xx failed. */
export function httpOutcome(status: number, body: string, retryAfter: number | undefined, fix: string): SendOutcome {
  if (status >= 200 && status < 300) return { status: "sent" };
  const error = `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ""}`;
  if (status === 408 || status === 429 || status >= 500)
    return { status: "retry", error, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  return { status: "failed", error, fix };
}
