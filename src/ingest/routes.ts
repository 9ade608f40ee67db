import type { IncomingMessage, ServerResponse } from "node:http";
import type { IngestConfig } from "../config/schema.ts";
import type { Events } from "../engine/events.ts";
import type { Logger } from "../log.ts";
import { bearerMatcher } from "../server/auth.ts";
import type { Handler, Routes } from "../server/router.ts";
import { BodyError, encodingOf, gunzipBounded, InflightBytes, readBody } from "./body.ts";
import { decodeJson } from "./decode-json.ts";
import { decodeProtobuf } from "./decode-protobuf.ts";
import type { Receiver } from "./receiver.ts";
import { CONTENT_TYPE, formatOf, statusBody, successBody, type Format } from "./reply.ts";
import { BadData, type DecodedRequest } from "./span.ts";

export interface IngestRouteDeps {
  receiver: Receiver;
  log: Logger;
  config: () => IngestConfig;
  /** GOLDWATCH_INGEST_TOKEN; without it the OTLP endpoints are off (404). */
  token: string | undefined;
  /** Told of every /v1/traces answer (`ingest:request`), for the metrics. */
  events?: Events | undefined;
}

/** What one /v1/traces request came to. */
interface Outcome {
  status: number;
  spans: number;
  rejected: number;
}

function send(res: ServerResponse, status: number, format: Format, body: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": CONTENT_TYPE[format], "content-length": String(body.length), ...headers }).end(body);
}

const fail = (res: ServerResponse, status: number, format: Format, message: string, headers: Record<string, string> = {}) =>
  send(res, status, format, statusBody(format, status, message), headers);

/**
 * The checks every OTLP request passes before its body is read: a known content type (415), the
 * token (404 when ingest is off, 401), a known Content-Encoding (415). Returns the format or
 * undefined when it answered.
 */
function preflight(
  req: IncomingMessage,
  res: ServerResponse,
  authorized: ((req: IncomingMessage) => boolean) | undefined,
): Format | undefined {
  const format = formatOf(req.headers["content-type"]);
  // Errors go out in the request's encoding; JSON when it named none we know.
  const replyAs = format ?? "json";
  if (!authorized) {
    fail(res, 404, replyAs, "not found (set GOLDWATCH_INGEST_TOKEN to enable OTLP ingest)");
    return undefined;
  }
  if (!authorized(req)) {
    fail(res, 401, replyAs, "missing or wrong bearer token (GOLDWATCH_INGEST_TOKEN)", { "www-authenticate": 'Bearer realm="goldwatch"' });
    return undefined;
  }
  if (!format) {
    fail(res, 415, "json", "unsupported Content-Type: send application/x-protobuf or application/json");
    return undefined;
  }
  if (!encodingOf(req.headers["content-encoding"])) {
    fail(res, 415, format, "unsupported Content-Encoding: send gzip or none");
    return undefined;
  }
  return format;
}

/** Reads, gunzips and decodes a body; the bytes it held are given back before it returns. */
async function decodeBody(req: IncomingMessage, format: Format, deps: IngestRouteDeps, inflight: InflightBytes): Promise<DecodedRequest> {
  const cfg = deps.config();
  const held = { bytes: 0 };
  try {
    let body = await readBody(req, cfg.max_request_bytes, inflight, held);
    if (encodingOf(req.headers["content-encoding"]) === "gzip")
      body = await gunzipBounded(body, cfg.max_decompressed_bytes, inflight, held);
    return format === "json" ? decodeJson(body, deps.receiver.wanted) : decodeProtobuf(body, deps.receiver.wanted);
  } finally {
    inflight.give(held.bytes);
  }
}

const spansIn = (d: DecodedRequest) => d.resources.reduce((n, r) => n + r.spans.length, 0) + d.rejected;

/** Answers one /v1/traces request that passed the preflight; says what it came to. */
async function answerTraces(
  req: IncomingMessage,
  res: ServerResponse,
  format: Format,
  deps: IngestRouteDeps,
  inflight: InflightBytes,
): Promise<Outcome> {
  const refused = (status: number, message: string, headers: Record<string, string> = {}): Outcome => {
    fail(res, status, format, message, headers);
    return { status, spans: 0, rejected: 0 };
  };
  const admission = deps.receiver.admit();
  if (!admission.ok) return refused(admission.status, admission.message, { "retry-after": String(admission.retryAfterS) });
  try {
    let decoded: DecodedRequest;
    try {
      decoded = await decodeBody(req, format, deps, inflight);
    } catch (e) {
      // 413 and 429 can come before the body is read through: close, rather than read the rest.
      if (e instanceof BodyError)
        return refused(
          e.status,
          e.message,
          e.status === 429 ? { "retry-after": "1", connection: "close" } : e.status === 413 ? { connection: "close" } : {},
        );
      if (e instanceof BadData || e instanceof RangeError) return refused(400, `bad OTLP ${format} body: ${(e as Error).message}`);
      throw e;
    }
    const accepted = deps.receiver.accept(decoded);
    if (!accepted) return refused(503, "this replica is shutting down; retry", { "retry-after": "1" });
    send(res, 200, format, successBody(format, accepted.rejected, accepted.reasons.join("; ")));
    return { status: 200, spans: spansIn(decoded), rejected: accepted.rejected };
  } finally {
    admission.release();
  }
}

function tracesHandler(deps: IngestRouteDeps, authorized: ((req: IncomingMessage) => boolean) | undefined): Handler {
  const inflight = new InflightBytes(() => deps.config().max_inflight_bytes);
  return async (req, res) => {
    const format = preflight(req, res, authorized);
    const outcome = format ? await answerTraces(req, res, format, deps, inflight) : { status: res.statusCode, spans: 0, rejected: 0 };
    deps.events?.emit("ingest:request", outcome);
  };
}

/** /v1/metrics and /v1/logs: accepted and dropped (goldwatch reads traces only), so exporters of all signals stay quiet. */
function ignoredSignal(authorized: ((req: IncomingMessage) => boolean) | undefined): Handler {
  return (req, res) => {
    const format = preflight(req, res, authorized);
    if (!format) return;
    req.resume();
    send(res, 200, format, successBody(format, 0, ""));
  };
}

/** `POST /v1/traces` (OTLP/HTTP, JSON or protobuf, gzip or not), and `/v1/metrics`, `/v1/logs` answered and ignored. */
export function ingestRoutes(deps: IngestRouteDeps): Routes {
  const authorized = deps.token ? bearerMatcher(deps.token) : undefined;
  return {
    "POST /v1/traces": tracesHandler(deps, authorized),
    "POST /v1/metrics": ignoredSignal(authorized),
    "POST /v1/logs": ignoredSignal(authorized),
  };
}
