import { clockTimer, systemClock, type Clock } from "../clock.ts";
import type { AgentError } from "./types.ts";
import { readBounded } from "../net/read-bounded.ts";
import { rawPost, useUndici } from "./node-post.ts";

export { readBounded };

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
  /** Follow 3xx replies (default false: a redirect is an error naming where it points). */
  followRedirects?: boolean;
  /** Removes secrets from reply excerpts before they are cut short (a cut secret is not recognised later). */
  redact?: (text: string) => string;
  /** Times `timeoutMs` (default: the system clock). */
  clock?: Clock;
}

/**
 * Reads a streamed body as it arrives, handing each decoded piece to `onText` until it returns
 * false or the body ends. A body past `maxBytes` (decoded) is a `too_large` error; an aborted
 * `signal` (a budget bound tripped from `onText`) stops reading and throws its reason. The body is
 * always cancelled at the end, which closes the connection, so the server stops working (and billing).
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

/** Characters of a reply body kept in an error message. */
const SNIPPET_CHARS = 120;

/**
 * A short one-line excerpt of a reply body, for error messages. Secrets are removed from the
 * whole text first, then it is cut: cutting first would leave half a token that no redaction
 * recognises any more.
 */
export function snippet(text: string, redact?: (text: string) => string): string {
  const flat = (redact ? redact(text) : text).replace(/\s+/g, " ").trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS)}…` : flat;
}

/**
 * What must never be fetched: a scheme other than http(s). The config schema refuses them too;
 * this is checked again at call time because Bun's fetch reads `file:` URLs from the local disk.
 */
export function refusedUrl(url: string): AgentError | null {
  // An agent calls the same URL every trial: parsing it again was ~0.5 µs per request.
  if (url === lastAllowedUrl) return null;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return { kind: "http", message: "the URL is not valid" };
  }
  if (protocol === "http:" || protocol === "https:") {
    lastAllowedUrl = url;
    return null;
  }
  return { kind: "http", message: `refused to call a ${protocol} URL: only http and https are allowed` };
}
let lastAllowedUrl: string | undefined;

/** `redirect` for fetch: redirects are not followed unless the agent opts in. */
export const redirectMode = (follow: boolean | undefined): "follow" | "manual" => (follow ? "follow" : "manual");

/**
 * A 3xx reply that was not followed: an error naming the host it points to (never the whole
 * Location, whose query may carry a signature). A redirect would re-send the body, and with a 307
 * or 308 re-POST it, to whatever host the agent names.
 */
export async function redirectError(res: Response, requestUrl: string): Promise<AgentError | null> {
  const opaque = res.type === "opaqueredirect";
  if (!opaque && (res.status < 300 || res.status > 399)) return null;
  await res.body?.cancel().catch(() => undefined);
  return describeRedirect(opaque ? undefined : res.status, res.headers.get("location"), requestUrl);
}

/** The error of a redirect not followed; `status` undefined for fetch's opaque redirects. */
function describeRedirect(status: number | undefined, location: string | null, requestUrl: string): AgentError {
  let where = "without a Location";
  if (location) {
    try {
      where = `to ${new URL(location, requestUrl).host}`;
    } catch {
      where = "to an invalid Location";
    }
  }
  return {
    kind: "http",
    ...(status !== undefined ? { status } : {}),
    message: `redirected ${where}${status !== undefined ? ` (HTTP ${status})` : ""}; not followed (set follow_redirects: true on the agent to follow redirects)`,
  };
}

/**
 * POSTs JSON and parses a JSON reply. Timeouts abort the request; HTTP errors, network errors,
 * oversize and non-JSON replies come back as an AgentError, never as an exception. Messages never
 * include request headers (they carry credentials).
 */
export async function postJson(opts: PostJsonOptions): Promise<JsonReply> {
  const refused = refusedUrl(opts.url);
  if (refused) return { ok: false, error: refused };
  const deadline = requestDeadline(opts.signal, opts.timeoutMs, opts.clock);
  try {
    const reply = await send(opts, deadline.signal);
    if (reply.redirect) return { ok: false, error: reply.redirect };
    const text = await reply.read(opts.maxBytes);
    if (text === undefined) {
      return { ok: false, error: { kind: "too_large", status: reply.status, message: `reply larger than ${opts.maxBytes} bytes` } };
    }
    if (reply.status < 200 || reply.status > 299) {
      return { ok: false, error: { kind: "http", status: reply.status, message: `HTTP ${reply.status}: ${snippet(text, opts.redact)}` } };
    }
    try {
      return { ok: true, body: JSON.parse(text), status: reply.status };
    } catch {
      const type = reply.header("content-type") ?? "no content-type";
      return {
        ok: false,
        error: { kind: "parse", status: reply.status, message: `reply is not JSON (${type}): ${snippet(text, opts.redact)}` },
      };
    }
  } catch (e) {
    return { ok: false, error: deadline.failure(e, `no reply within ${opts.timeoutMs} ms`) };
  } finally {
    deadline.dispose();
  }
}

/** A reply whose body is still to read, or the redirect that was not followed. */
interface Sent {
  status: number;
  header(name: string): string | null;
  read(maxBytes: number): Promise<string | undefined>;
  redirect: AgentError | null;
}

/**
 * Sends the request: through undici on Node unless a fetch was injected or redirects are followed
 * (see node-post.ts), through fetch otherwise.
 */
async function send(opts: PostJsonOptions, signal: AbortSignal): Promise<Sent> {
  const method = opts.method ?? "POST";
  const headers = { "content-type": "application/json", accept: "application/json", ...opts.headers };
  const body = JSON.stringify(opts.body);
  if (useUndici && !opts.fetch && !opts.followRedirects) {
    const raw = await rawPost({ url: opts.url, method, headers, body, signal });
    const redirected = raw.status >= 300 && raw.status <= 399;
    if (redirected) raw.discard();
    return { ...raw, redirect: redirected ? describeRedirect(raw.status, raw.header("location"), opts.url) : null };
  }
  const res = await (opts.fetch ?? fetch)(opts.url, { method, headers, body, redirect: redirectMode(opts.followRedirects), signal });
  return {
    status: res.status,
    header: (name) => res.headers.get(name),
    read: (maxBytes) => readBounded(res, maxBytes),
    // Awaited only for a redirect: a promise per ordinary reply for nothing.
    redirect: res.type === "opaqueredirect" || (res.status >= 300 && res.status <= 399) ? await redirectError(res, opts.url) : null,
  };
}

/** A request's abort signal: the caller's signal or the timeout, whichever comes first. */
export interface RequestDeadline {
  signal: AbortSignal;
  /** Why a request that threw failed: timeout, aborted by the caller, or the network. */
  failure(error: unknown, timeoutMessage: string): AgentError;
  /** Cancels the timeout and the listener; call when the request settles. */
  dispose(): void;
}

/** A request in flight under a caller signal, at its index in that signal's list. */
interface Tracked {
  controller: AbortController;
  at: number;
}

/**
 * Requests in flight under each caller signal. One listener per caller signal aborts them all:
 * cheaper on the hot path than a listener per request, with dozens of requests under one run.
 * A list with swap-removal, not a Set: with a Set, the agent calls alone held 40 MB more RSS
 * (150k calls, Bun 1.4.5), as if its deleted entries kept finished requests alive until a rehash.
 */
const inFlight = new WeakMap<AbortSignal, Tracked[]>();

/** How many requests are in flight under `caller`: settled ones have left its list. */
export const requestsInFlight = (caller: AbortSignal): number => inFlight.get(caller)?.length ?? 0;

function track(caller: AbortSignal, controller: AbortController): () => void {
  let list = inFlight.get(caller);
  if (!list) {
    const members: Tracked[] = [];
    list = members;
    inFlight.set(caller, members);
    caller.addEventListener(
      "abort",
      () => {
        for (const m of members.splice(0)) m.controller.abort(caller.reason);
      },
      { once: true },
    );
  }
  const members = list;
  const entry: Tracked = { controller, at: members.length };
  members.push(entry);
  return () => {
    if (members[entry.at] !== entry) return; // the caller's abort already cleared the list
    const last = members.pop()!;
    if (last !== entry) {
      members[entry.at] = last;
      last.at = entry.at;
    }
  };
}

/**
 * One controller for both the timeout (a sleep on `clock`) and the caller's signal: cheaper than
 * AbortSignal.any + AbortSignal.timeout on the hot path, and nothing is left behind once disposed.
 */
export function requestDeadline(caller: AbortSignal, timeoutMs: number, clock: Clock = systemClock): RequestDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const cancelTimer = clockTimer(clock, timeoutMs, () => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  });
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
      cancelTimer();
      untrack();
    },
  };
}
