import { createParser } from "eventsource-parser";
import type { Clock } from "../clock.ts";
import { readBounded, readStream, redirectError, redirectMode, refusedUrl, requestDeadline, snippet } from "./http-call.ts";
import type { AgentError, Step, Usage } from "./types.ts";

/** A chat-completions reply or streamed chunk, as far as we read it. */
export interface ChatPayload {
  model?: string;
  system_fingerprint?: string;
  choices?: {
    index?: number;
    message?: { content?: string | null; tool_calls?: ToolCallPart[] };
    delta?: { content?: string | null; tool_calls?: ToolCallPart[] };
  }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

interface ToolCallPart {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** Parses tool-call arguments; text that is not JSON stays text. */
export function parseArgs(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Rough tokens of a text (4 characters a token), for bounds while no usage has been reported. */
const estimateTokens = (chars: number) => Math.ceil(chars / 4);

/**
 * Builds a chat reply from streamed chunks (or from one whole reply): content, tool calls by
 * index, model, fingerprint, usage. Until the endpoint reports usage (with `include_usage`, in the
 * last chunk; some servers report it on every chunk), tokens are estimated from the text so far,
 * so a token bound can trip mid-stream. Pure.
 */
export class ChatAccumulator {
  content = "";
  model: string | null = null;
  fingerprint: string | null = null;
  readonly #calls: { id?: string; name: string; args: string }[] = [];
  readonly #byIndex = new Map<number, number>();
  #reported: Usage | undefined;
  readonly #promptChars: number;

  constructor(promptChars: number) {
    this.#promptChars = promptChars;
  }

  /** Adds a streamed chunk (`delta`) or a whole reply (`message`). */
  add(p: ChatPayload): void {
    if (p.model) this.model = p.model;
    if (p.system_fingerprint) this.fingerprint = p.system_fingerprint;
    if (p.usage && (p.usage.prompt_tokens !== undefined || p.usage.completion_tokens !== undefined)) {
      this.#reported = { inputTokens: p.usage.prompt_tokens ?? 0, outputTokens: p.usage.completion_tokens ?? 0 };
    }
    const choice = p.choices?.[0];
    const part = choice?.delta ?? choice?.message;
    if (!part) return;
    if (typeof part.content === "string") this.content += part.content;
    for (const tc of part.tool_calls ?? []) this.#addToolCall(tc);
  }

  #addToolCall(tc: ToolCallPart): void {
    // Chunks name a call by index; some servers send only an id, or whole calls without either.
    let at = tc.index !== undefined ? this.#byIndex.get(tc.index) : undefined;
    if (at === undefined && tc.id) at = this.#calls.findIndex((c) => c.id === tc.id);
    if (at === undefined || at < 0) {
      if (tc.index === undefined && !tc.id && !tc.function?.name && this.#calls.length > 0) at = this.#calls.length - 1;
      else {
        at = this.#calls.push({ ...(tc.id ? { id: tc.id } : {}), name: "", args: "" }) - 1;
        if (tc.index !== undefined) this.#byIndex.set(tc.index, at);
      }
    }
    const call = this.#calls[at]!;
    if (tc.function?.name)
      call.name += call.name && tc.function.name.startsWith(call.name) ? tc.function.name.slice(call.name.length) : tc.function.name;
    if (tc.function?.arguments) call.args += tc.function.arguments;
  }

  /** Tool calls seen so far, named or not yet. */
  get toolCalls(): number {
    return this.#calls.length;
  }

  steps(): Step[] {
    return this.#calls.filter((c) => c.name).map((c) => ({ tool: c.name, args: parseArgs(c.args === "" ? undefined : c.args) }));
  }

  /** Reported usage, else an estimate from the prompt and what has arrived. */
  usage(): Usage {
    if (this.#reported) return this.#reported;
    const outChars = this.content.length + this.#calls.reduce((n, c) => n + c.name.length + c.args.length, 0);
    return { inputTokens: estimateTokens(this.#promptChars), outputTokens: estimateTokens(outChars) };
  }

  /** True once the endpoint has reported usage. */
  get usageReported(): boolean {
    return this.#reported !== undefined;
  }
}

export interface StreamChatOptions {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
  /** Characters of the prompt, for estimating input tokens before usage arrives. */
  promptChars: number;
  /** Called after every chunk; the caller may abort `signal` from here to cancel the request. */
  onProgress?(acc: ChatAccumulator): void;
  fetch?: typeof fetch;
  /** Follow 3xx replies (default false). */
  followRedirects?: boolean;
  /** Removes secrets from reply excerpts before they are cut short. */
  redact?: (text: string) => string;
  /** Times `timeoutMs` (default: the system clock). */
  clock?: Clock;
}

/** What a streamed call produced: always the accumulated reply, and an error when it ended badly. */
export interface StreamChatResult {
  acc: ChatAccumulator;
  status?: number;
  error: AgentError | null;
}

/**
 * POSTs a chat completion with `stream: true` and reads the server-sent events as they arrive,
 * reporting progress after each chunk. Aborting `signal` cancels the request at once. A server
 * that ignores `stream` and answers with one JSON reply is read as that reply. Never throws.
 */
export async function streamChat(opts: StreamChatOptions): Promise<StreamChatResult> {
  const acc = new ChatAccumulator(opts.promptChars);
  const refused = refusedUrl(opts.url);
  if (refused) return { acc, error: refused };
  const deadline = requestDeadline(opts.signal, opts.timeoutMs, opts.clock);
  let status: number | undefined;
  try {
    const res = await (opts.fetch ?? fetch)(opts.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...opts.headers },
      body: JSON.stringify({ ...opts.body, stream: true, stream_options: { include_usage: true } }),
      redirect: redirectMode(opts.followRedirects),
      signal: deadline.signal,
    });
    status = res.status;
    const redirected = await redirectError(res, opts.url);
    if (redirected) return { acc, status, error: redirected };
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok || !type.includes("text/event-stream")) {
      const text = await readBounded(res, opts.maxBytes);
      if (text === undefined)
        return { acc, status, error: { kind: "too_large", status, message: `reply larger than ${opts.maxBytes} bytes` } };
      if (!res.ok) return { acc, status, error: { kind: "http", status, message: `HTTP ${status}: ${snippet(text, opts.redact)}` } };
      try {
        acc.add(JSON.parse(text) as ChatPayload);
      } catch {
        return {
          acc,
          status,
          error: {
            kind: "parse",
            status,
            message: `reply is neither an event stream nor JSON (${type || "no content-type"}): ${snippet(text, opts.redact)}`,
          },
        };
      }
      opts.onProgress?.(acc);
      return { acc, status, error: null };
    }
    return { acc, status, error: await readEvents(res, acc, opts) };
  } catch (e) {
    return { acc, status, error: deadline.failure(e, `no complete reply within ${opts.timeoutMs} ms`) };
  } finally {
    deadline.dispose();
  }
}

/** Reads server-sent events into `acc` until `[DONE]` or the end of the body. Throws when aborted. */
async function readEvents(res: Response, acc: ChatAccumulator, opts: StreamChatOptions): Promise<AgentError | null> {
  if (!res.body) return { kind: "parse", status: res.status, message: "event stream has no body" };
  let failure: AgentError | null = null;
  let done = false;
  const parser = createParser({
    onEvent: (event) => {
      if (done || failure) return;
      if (event.data.trim() === "[DONE]") {
        done = true;
        return;
      }
      let chunk: ChatPayload;
      try {
        chunk = JSON.parse(event.data) as ChatPayload;
      } catch {
        failure = { kind: "parse", status: res.status, message: `event is not JSON: ${snippet(event.data, opts.redact)}` };
        return;
      }
      if (chunk.error) {
        const message = typeof chunk.error === "string" ? chunk.error : (chunk.error.message ?? "unknown error");
        failure = { kind: "http", status: res.status, message: `stream error: ${snippet(message, opts.redact)}` };
        return;
      }
      acc.add(chunk);
    },
  });
  const ended = await readStream(res, opts, (text) => {
    parser.feed(text);
    opts.onProgress?.(acc);
    return !done && !failure;
  });
  return ended ?? failure;
}
