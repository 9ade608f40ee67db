import type { IncomingMessage } from "node:http";
import { createGunzip } from "node:zlib";

/** Why a body could not be read: the HTTP status to answer and a message. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415 | 429,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/** Bytes held by requests in flight, against one budget (memory stays bounded under any load). */
export class InflightBytes {
  private held = 0;
  constructor(private readonly budget: () => number) {}
  get bytes(): number {
    return this.held;
  }
  /** Takes `n` bytes of the budget; false (nothing taken) when they do not fit. */
  take(n: number): boolean {
    if (this.held + n > this.budget()) return false;
    this.held += n;
    return true;
  }
  give(n: number): void {
    this.held -= n;
  }
}

/** The Content-Encoding a body is sent with: gzip or none; undefined for anything else. */
export function encodingOf(header: string | undefined): "gzip" | "identity" | undefined {
  const e = (header ?? "").trim().toLowerCase();
  if (e === "" || e === "identity") return "identity";
  if (e === "gzip" || e === "x-gzip") return "gzip";
  return undefined;
}

/**
 * Reads a request body of at most `limit` bytes, each chunk taken from `inflight` (the caller
 * gives back `held` bytes when done, also after a throw: see `release`).
 */
export async function readBody(req: IncomingMessage, limit: number, inflight: InflightBytes, held: { bytes: number }): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit)
    throw new BodyError(413, `request body of ${declared} bytes is over the limit of ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const b = chunk as Buffer;
      size += b.length;
      if (size > limit) throw new BodyError(413, `request body is over the limit of ${limit} bytes`);
      if (!inflight.take(b.length)) throw new BodyError(429, "too many request bytes in flight; retry");
      held.bytes += b.length;
      chunks.push(b);
    }
  } catch (e) {
    // A client that went away mid-body: nothing to answer, nothing to log as a fault.
    throw e instanceof BodyError ? e : new BodyError(400, "the request body could not be read");
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

/**
 * Gunzips at most `limit` bytes (a zip bomb stops there with 413), each output chunk taken from
 * `inflight` as it is produced, so concurrent bodies cannot together pass the budget.
 */
export function gunzipBounded(body: Buffer, limit: number, inflight: InflightBytes, held: { bytes: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGunzip();
    const out: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (e: BodyError) => {
      if (failed) return;
      failed = true;
      z.destroy();
      reject(e);
    };
    z.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(new BodyError(413, `gunzipped body is over the limit of ${limit} bytes`));
      if (!inflight.take(chunk.length)) return fail(new BodyError(429, "too many request bytes in flight; retry"));
      held.bytes += chunk.length;
      out.push(chunk);
    });
    z.on("error", () => fail(new BodyError(400, "the body is not valid gzip")));
    z.on("end", () => {
      if (!failed) resolve(Buffer.concat(out, size));
    });
    z.end(body);
  });
}
