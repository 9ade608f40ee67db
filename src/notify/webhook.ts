import { roundForDisplay } from "../round.ts";
import { plainText } from "./format.ts";
import { httpOutcome, retryAfterMs, type Notifier } from "./notifier.ts";
import { readBounded } from "../net/read-bounded.ts";

/** A receiver's reply is read for its error message only: no more than this. */
const MAX_REPLY_BYTES = 64 * 1024;

/** From `notify.webhook`. */
export interface WebhookOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** Generic JSON webhook: the whole notification plus a plain-text rendering, one POST per message. */
export function webhookNotifier(opts: WebhookOptions, deps: { fetch: typeof fetch; now: () => Date }): Notifier {
  return {
    channel: "webhook",
    wants: () => true,
    async send(n, meta) {
      const body = {
        ...n,
        alerts: n.alerts.map((a) => ({ ...a, evidence: roundForDisplay(a.evidence) })),
        status: n.kind === "resolved" ? "resolved" : "firing",
        // The run's page; null without server.public_url (or for a message with no run context).
        run_url: n.context?.runUrl ?? null,
        text: plainText(n),
      };
      let res: Response;
      try {
        res = await deps.fetch(opts.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "goldwatch",
            // Receivers can drop a redelivered message (delivery is at least once).
            "idempotency-key": meta.dedupKey,
            ...opts.headers,
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.timeoutMs),
          redirect: "error",
        });
      } catch (e) {
        return { status: "retry", error: `webhook unreachable: ${(e as Error).message}` };
      }
      const text = (await readBounded(res, MAX_REPLY_BYTES).catch(() => "")) ?? `(reply over ${MAX_REPLY_BYTES} bytes, not read)`;
      return httpOutcome(
        res.status,
        text,
        retryAfterMs(res.headers.get("retry-after"), deps.now()),
        "check notify.webhook.url and what the receiver expects",
      );
    },
  };
}
