import type { AgentError } from "./types.ts";

/** The reply of a JSON POST: its parsed body, or why there is none. */
export type JsonReply = { ok: true; body: unknown; status: number } | { ok: false; error: AgentError };

export interface PostJsonOptions {
  url: string;
  method?: string;
  headers: Record<string, string>;
  body: unknown;
  timeoutMs: number;
  maxBytes: number;
  signal: AbortSignal;
  fetch?: typeof fetch;
}

/** Reads at most `max` bytes of a body; undefined when it is larger (the rest is not read). */
export async function readBounded(res: Response, max: number): Promise<string | undefined> {
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (declared > max) {
    await res.body?.cancel();
    return undefined;
  }
  // Fast path: a declared length within the limit can be read in one go.
  if (declared <= max) return res.text();
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Reads a streamed body as it arrives, handing each decoded piece to `onText` until it returns
 * false or the body ends. A body past `maxBytes` is a `too_large` error; an aborted `signal`
 * (a budget bound tripped from `onText`) stops reading and throws its reason. The body is always
 * cancelled at the end, which closes the connection, so the server stops working (and billing).
 */
export async function readStream(
  res: Response,
  opts: { maxBytes: number; signal: AbortSignal },
  onText: (text: string) => boolean,
): Promise<AgentError | null> {
  if (!res.body) return { kind: "parse", status: res.status, message: "streamed reply has no body" };
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return null;
      size += value.byteLength;
      if (size > opts.maxBytes) return { kind: "too_large", status: res.status, message: `reply larger than ${opts.maxBytes} bytes` };
      const more = onText(decoder.decode(value, { stream: true }));
      if (opts.signal.aborted) throw opts.signal.reason;
      if (!more) return null;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** A short one-line excerpt of a reply body, for error messages. */
export const snippet = (text: string) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
};

/**
 * POSTs JSON and parses a JSON reply. Timeouts abort the request; HTTP errors, network errors,
 * oversize and non-JSON replies come back as an AgentError, never as an exception. Messages never
 * include request headers (they carry credentials).
 */
export async function postJson(opts: PostJsonOptions): Promise<JsonReply> {
  const deadline = requestDeadline(opts.signal, opts.timeoutMs);
  const signal = deadline.signal;
  const doFetch = opts.fetch ?? fetch;
  try {
    const res = await doFetch(opts.url, {
      method: opts.method ?? "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...opts.headers },
      body: JSON.stringify(opts.body),
      signal,
    });
    const text = await readBounded(res, opts.maxBytes);
    if (text === undefined) {
      return { ok: false, error: { kind: "too_large", status: res.status, message: `reply larger than ${opts.maxBytes} bytes` } };
    }
    if (!res.ok) {
      return { ok: false, error: { kind: "http", status: res.status, message: `HTTP ${res.status}: ${snippet(text)}` } };
    }
    try {
      return { ok: true, body: JSON.parse(text), status: res.status };
    } catch {
      const type = res.headers.get("content-type") ?? "no content-type";
      return { ok: false, error: { kind: "parse", status: res.status, message: `reply is not JSON (${type}): ${snippet(text)}` } };
    }
  } catch (e) {
    return { ok: false, error: deadline.failure(e, `no reply within ${opts.timeoutMs} ms`) };
  } finally {
    deadline.dispose();
  }
}

/** A request's abort signal: the caller's signal or the timeout, whichever comes first. */
export interface RequestDeadline {
  signal: AbortSignal;
  /** Why a request that threw failed: timeout, aborted by the caller, or the network. */
  failure(error: unknown, timeoutMessage: string): AgentError;
  /** Clears the timer and the listener; call when the request settles. */
  dispose(): void;
}

/**
 * Requests in flight under each caller signal. One listener per caller signal aborts them all:
 * cheaper on the hot path than a listener per request, with dozens of requests under one run.
 */
const inFlight = new WeakMap<AbortSignal, Set<AbortController>>();

function track(caller: AbortSignal, controller: AbortController): () => void {
  let set = inFlight.get(caller);
  if (!set) {
    const members = new Set<AbortController>();
    set = members;
    inFlight.set(caller, members);
    caller.addEventListener(
      "abort",
      () => {
        for (const c of members) c.abort(caller.reason);
        members.clear();
      },
      { once: true },
    );
  }
  set.add(controller);
  const members = set;
  return () => members.delete(controller);
}

/**
 * One controller for both the timeout and the caller's signal: cheaper than AbortSignal.any +
 * AbortSignal.timeout on the hot path, and nothing is left behind once disposed.
 */
export function requestDeadline(caller: AbortSignal, timeoutMs: number): RequestDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  }, timeoutMs);
  const untrack = caller.aborted ? (controller.abort(caller.reason), () => false) : track(caller, controller);
  return {
    signal: controller.signal,
    failure(error, timeoutMessage) {
      if (timedOut) return { kind: "timeout", message: timeoutMessage };
      if (caller.aborted) return { kind: "aborted", message: "trial aborted" };
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { kind: "network", message: `request failed: ${cause ?? (error as Error).message}` };
    },
    dispose() {
      clearTimeout(timer);
      untrack();
    },
  };
}
