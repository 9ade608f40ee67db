import { createParser } from "eventsource-parser";
import type { Clock } from "../clock.ts";
import type { HttpAgentConfig } from "../config/schema.ts";
import { readBounded, readStream, redirectError, redirectMode, refusedUrl, requestDeadline, snippet } from "./http-call.ts";
import { readPath } from "./jsonpath.ts";
import type { AgentError, Step, Usage } from "./types.ts";

/** What a streamed reply has said so far, folded from its events by the response mapping. */
export interface StreamedReply {
  output: string | null;
  steps: Step[];
  usage: Usage;
  model: string | null;
  fingerprint: string | null;
}

/** A token count read from JSON: numbers and numeric strings; anything else is 0. */
export const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : Number(v) || 0);
const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * Folds one event into the reply. The mapping's paths are read on every event: `output` replaces
 * (the last event that has it wins), `output_delta` appends, `steps` appends (one step or an
 * array), tokens, model and fingerprint replace (streams report running totals). Pure.
 */
export function foldEvent(reply: StreamedReply, event: unknown, m: HttpAgentConfig["response"], toSteps: (raw: unknown) => Step[]): void {
  const read = (path: string | undefined) => (path ? readPath(event, path) : undefined);
  const output = read(m.output);
  if (output !== undefined && output !== null) reply.output = str(output);
  const delta = read(m.output_delta);
  if (delta !== undefined && delta !== null) reply.output = (reply.output ?? "") + str(delta);
  const steps = read(m.steps);
  if (steps !== undefined) reply.steps.push(...toSteps(Array.isArray(steps) ? steps : [steps]));
  const input = read(m.input_tokens);
  if (input !== undefined) reply.usage.inputTokens = num(input);
  const outputTokens = read(m.output_tokens);
  if (outputTokens !== undefined) reply.usage.outputTokens = num(outputTokens);
  const model = read(m.model);
  if (model !== undefined && model !== null) reply.model = str(model);
  const fingerprint = read(m.fingerprint);
  if (fingerprint !== undefined && fingerprint !== null) reply.fingerprint = str(fingerprint);
}

export interface StreamJsonOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
  format: "ndjson" | "sse";
  mapping: HttpAgentConfig["response"];
  toSteps: (raw: unknown) => Step[];
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
  /** Called after each event; the caller may abort `signal` from here (a budget bound). */
  onEvent(reply: StreamedReply): void;
  fetch?: typeof fetch;
  /** Follow 3xx replies (default false). */
  followRedirects?: boolean;
  /** Removes secrets from reply excerpts before they are cut short. */
  redact?: (text: string) => string;
  /** Times `timeoutMs` (default: the system clock). */
  clock?: Clock;
}

/**
 * POSTs JSON and reads a streamed reply (newline-delimited JSON, or server-sent events whose data
 * is JSON) event by event, so a trial budget can stop it mid-stream; aborting cancels the request
 * and closes the connection. An endpoint that answers with one JSON document is read as one event.
 * Never throws: the reply so far comes back with the error that ended it.
 */
export async function streamJson(opts: StreamJsonOptions): Promise<{ reply: StreamedReply; error: AgentError | null; status?: number }> {
  const reply: StreamedReply = { output: null, steps: [], usage: { inputTokens: 0, outputTokens: 0 }, model: null, fingerprint: null };
  const refused = refusedUrl(opts.url);
  if (refused) return { reply, error: refused };
  const deadline = requestDeadline(opts.signal, opts.timeoutMs, opts.clock);
  let status: number | undefined;
  const fold = (text: string): AgentError | null => {
    if (text.trim() === "" || text.trim() === "[DONE]") return null;
    try {
      foldEvent(reply, JSON.parse(text), opts.mapping, opts.toSteps);
    } catch {
      return { kind: "parse", status, message: `stream event is not JSON: ${snippet(text, opts.redact)}` };
    }
    opts.onEvent(reply);
    return null;
  };
  try {
    const res = await (opts.fetch ?? fetch)(opts.url, {
      method: opts.method,
      headers: {
        "content-type": "application/json",
        accept: opts.format === "sse" ? "text/event-stream" : "application/x-ndjson",
        ...opts.headers,
      },
      body: JSON.stringify(opts.body),
      redirect: redirectMode(opts.followRedirects),
      signal: deadline.signal,
    });
    status = res.status;
    const redirected = await redirectError(res, opts.url);
    if (redirected) return { reply, status, error: redirected };
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok || type.includes("application/json")) {
      const text = await readBounded(res, opts.maxBytes);
      if (text === undefined)
        return { reply, status, error: { kind: "too_large", status, message: `reply larger than ${opts.maxBytes} bytes` } };
      if (!res.ok) return { reply, status, error: { kind: "http", status, message: `HTTP ${status}: ${snippet(text, opts.redact)}` } };
      return { reply, status, error: fold(text) };
    }
    let failure: AgentError | null = null;
    const parser = createParser({ onEvent: (e) => (failure ??= fold(e.data)) });
    let pending = ""; // an NDJSON line not yet ended
    const ended = await readStream(res, opts, (text) => {
      if (opts.format === "sse") parser.feed(text);
      else {
        const lines = (pending + text).split("\n");
        pending = lines.pop()!;
        for (const line of lines) failure ??= fold(line);
      }
      return !failure;
    });
    if (ended) return { reply, status, error: ended };
    if (!failure && pending) failure = fold(pending);
    if (!failure && reply.output === null) failure = { kind: "parse", status, message: `stream ended with no ${opts.mapping.output}` };
    return { reply, status, error: failure };
  } catch (e) {
    return { reply, status, error: deadline.failure(e, `no complete reply within ${opts.timeoutMs} ms`) };
  } finally {
    deadline.dispose();
  }
}
