import { createServer } from "node:http";
import { listenOnLoopback } from "./agent-server.ts";

/** One accepted Events API v2 event. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: { href: string; text?: string }[];
}

/** What the next request gets instead of 202. */
export type PagerDutyStep = { status: number; retryAfter?: number } | { drop: true };

/** A PagerDuty Events API v2 endpoint on loopback (`POST /v2/enqueue`). */
export interface FakePagerDuty {
  /** Give this as notify.pagerduty.api_url. */
  url: string;
  /** Accepted events, in order. */
  events: PagerDutyEvent[];
  /** Every request's HTTP status (0: dropped). */
  statuses: number[];
  /** Incident state by dedup_key, as PagerDuty would keep it. */
  incidents: Map<string, "triggered" | "resolved">;
  script(...steps: PagerDutyStep[]): void;
  down(): void;
  up(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts the fake; `routingKeys` (when given) are the only integration keys accepted. */
export async function startFakePagerDuty(opts: { routingKeys?: string[] } = {}): Promise<FakePagerDuty> {
  const events: PagerDutyEvent[] = [];
  const statuses: number[] = [];
  const incidents = new Map<string, "triggered" | "resolved">();
  const steps: PagerDutyStep[] = [];
  let outage = false;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      statuses.push(status);
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/v2/enqueue") return reply(404, { status: "not found" });
    if (outage) return reply(503, { status: "unavailable" });
    const step = steps.shift();
    if (step) {
      if ("drop" in step) {
        statuses.push(0);
        return req.socket.destroy();
      }
      return reply(
        step.status,
        { status: "error", message: "scripted" },
        step.retryAfter !== undefined ? { "retry-after": String(step.retryAfter) } : {},
      );
    }
    let ev: PagerDutyEvent;
    try {
      ev = JSON.parse(Buffer.concat(chunks).toString("utf8")) as PagerDutyEvent;
    } catch {
      return reply(400, { status: "invalid event", message: "Event object is invalid", errors: ["body is not JSON"] });
    }
    const errors: string[] = [];
    if (!ev.routing_key || (opts.routingKeys && !opts.routingKeys.includes(ev.routing_key))) errors.push("Invalid routing key");
    if (!["trigger", "acknowledge", "resolve"].includes(ev.event_action)) errors.push("'event_action' is invalid");
    if (ev.event_action === "trigger" && (!ev.payload?.summary || !ev.payload.source || !ev.payload.severity))
      errors.push("'payload' is missing summary, source or severity");
    if (ev.event_action !== "trigger" && !ev.dedup_key) errors.push("'dedup_key' is required");
    if (errors.length > 0) return reply(400, { status: "invalid event", message: "Event object is invalid", errors });
    events.push(ev);
    incidents.set(ev.dedup_key, ev.event_action === "resolve" ? "resolved" : "triggered");
    reply(202, { status: "success", message: "Event processed", dedup_key: ev.dedup_key });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    statuses,
    incidents,
    script: (...s) => steps.push(...s),
    down: () => {
      outage = true;
    },
    up: () => {
      outage = false;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
