// Agent requests on Node without fetch. Node's fetch is undici behind the WHATWG layer (web
// streams, Headers, Response); that layer cost ~470 µs of CPU per request in the engine bench, a
// fifth of Bun's throughput. undici's own `request` skips it. Bun keeps its native fetch.
import type { Readable, Transform } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";

/** What a request got back: status, headers, and a body read at most once. */
export interface RawReply {
  status: number;
  header(name: string): string | null;
  /** The body as text (decompressed); undefined when over `maxBytes`, the rest unread. */
  read(maxBytes: number): Promise<string | undefined>;
  /** Drops the body unread. */
  discard(): void;
}

/** A POST as `postJson` sends it: redirects are never followed here. */
export interface RawRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

type PoolClass = typeof import("undici").Pool;
type Pool = InstanceType<PoolClass>;
type ResponseData = import("undici").Dispatcher.ResponseData;
interface Undici {
  Pool: PoolClass;
  request: typeof import("undici").request;
}
/** Loaded on the first request: a command that never calls an agent does not pay for undici. */
let loading: Promise<Undici> | undefined;

/** Where undici (and Node's own fetch) keep the process's global dispatcher. */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

/**
 * True when the process's global dispatcher was replaced (a proxy: Node's NODE_USE_ENV_PROXY, or
 * setGlobalDispatcher): requests then go through it, as `request(url)` always did. The default
 * one is a plain `Agent`, which Node's fetch may have created on its first call.
 */
function dispatcherReplaced(): boolean {
  const current = (globalThis as Record<symbol, { constructor?: { name?: string } } | undefined>)[GLOBAL_DISPATCHER];
  return current !== undefined && current.constructor?.name !== "Agent";
}

/** A connection pool per origin, and where each agent URL points in it. */
const pools = new Map<string, Pool>();
const targets = new Map<string, { pool: Pool; path: string }>();

/**
 * The pool and path of `url`. A pool of the origin directly, not undici's `request(url)` through
 * its global agent, which parses the URL and looks the pool up on every call: 25 against 19 µs of
 * CPU per request at concurrency 32 (Node 20, loopback).
 */
function targetOf(PoolOf: PoolClass, url: string): { pool: Pool; path: string } {
  let target = targets.get(url);
  if (!target) {
    const u = new URL(url);
    let pool = pools.get(u.origin);
    if (!pool) {
      pool = new PoolOf(u.origin);
      pools.set(u.origin, pool);
    }
    target = { pool, path: `${u.pathname}${u.search}` };
    targets.set(url, target);
  }
  return target;
}

/** True where agent requests go through undici (Node); Bun's fetch is already native. */
export const useUndici = typeof (globalThis as { Bun?: unknown }).Bun === "undefined";

/** Headers as fetch would send them: names case-insensitive, repeated names joined with ", ". */
function mergeHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    out[name] = out[name] === undefined ? v : `${out[name]}, ${v}`;
  }
  return out;
}

/** The decoder of a `content-encoding` fetch would undo, or null for none (and for unknown ones, as fetch). */
function decoderOf(encoding: string): Transform | null {
  if (encoding === "gzip" || encoding === "x-gzip") return createGunzip();
  if (encoding === "deflate") return createInflate();
  if (encoding === "br") return createBrotliDecompress();
  return null;
}

/**
 * Sends one request through undici. Failures throw as fetch's do (`TypeError("fetch failed")`
 * with the network error as `cause`), so callers describe them the same way on both runtimes.
 */
export async function rawPost(req: RawRequest): Promise<RawReply> {
  const undici = await (loading ??= import("undici").then((m) => ({ Pool: m.Pool, request: m.request })));
  const opts = { method: req.method as "POST", headers: mergeHeaders(req.headers), body: req.body, signal: req.signal };
  let res: ResponseData;
  try {
    if (dispatcherReplaced()) res = await undici.request(req.url, opts);
    else {
      const { pool, path } = targetOf(undici.Pool, req.url);
      res = await pool.request({ path, ...opts });
    }
  } catch (e) {
    if (req.signal.aborted) throw e;
    throw new TypeError("fetch failed", { cause: e });
  }
  const header = (name: string): string | null => {
    const v = res.headers[name];
    return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  };
  const body = res.body as unknown as Readable;
  // A body destroyed unread (too large, discarded) emits "Request aborted": with no listener that
  // error would be uncaught and end the process. Readers still see errors through the iterator.
  body.on("error", () => {});
  return {
    status: res.statusCode,
    header,
    discard: () => body.destroy(),
    read: (maxBytes) =>
      readAtMost(body, (header("content-encoding") ?? "identity").trim().toLowerCase(), header("content-length"), maxBytes),
  };
}

/** Reads up to `max` decoded bytes, as readBounded does for a fetch Response. */
async function readAtMost(body: Readable, encoding: string, length: string | null, max: number): Promise<string | undefined> {
  const identity = encoding === "" || encoding === "identity";
  if (identity && Number(length ?? "NaN") > max) {
    body.destroy();
    return undefined;
  }
  const decoder = identity ? null : decoderOf(encoding);
  const source: AsyncIterable<Buffer> = decoder ? body.pipe(decoder) : body;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > max) return undefined;
      chunks.push(chunk);
    }
  } finally {
    if (size > max) {
      body.destroy();
      decoder?.destroy();
    }
  }
  return new TextDecoder().decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}
