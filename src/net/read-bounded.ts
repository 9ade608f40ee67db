// Reading an HTTP reply without trusting its size: agents, the judge and notify channels all
// read bodies from servers goldwatch does not control.

/**
 * Reads a body up to `max` bytes as decoded (after gzip, br or deflate); undefined when it is
 * larger (the rest is not read). A `content-length` counts the bytes on the wire, which with a
 * content-encoding can be a thousandth of the decoded body (a 50 KB gzip of 50 MB), so it only
 * refuses early and never replaces counting.
 */
/** Stateless when not streaming: one decoder for every whole body, not one per reply. */
const wholeBody = new TextDecoder();

export async function readBounded(res: Response, max: number): Promise<string | undefined> {
  const encoding = (res.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if ((encoding === "" || encoding === "identity") && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return undefined;
  }
  if (!res.body) return "";
  // Framed by a content-length within the limit, unencoded: the body cannot outgrow it, so it is
  // read whole, without a stream reader (the reader was a third of the agent call's CPU on Bun).
  // arrayBuffer, not text(): under Bun 1.4 text() here kept ~1 KB per reply alive (a leak).
  if ((encoding === "" || encoding === "identity") && declared <= max) return wholeBody.decode(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) return undefined;
      chunks.push(value);
    }
  } finally {
    // Cancelling closes the connection (and the decompressor) as soon as the limit is crossed.
    await reader.cancel().catch(() => undefined);
  }
  const decoder = new TextDecoder();
  return chunks.length === 1 ? decoder.decode(chunks[0]) : decoder.decode(Buffer.concat(chunks));
}
