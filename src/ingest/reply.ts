// OTLP/HTTP replies in the request's own encoding: ExportTraceServiceResponse on 200, a
// google.rpc.Status on every 4xx and 5xx (opentelemetry-proto collector/trace/v1, google/rpc/status).

export type Format = "json" | "protobuf";

export const CONTENT_TYPE: Record<Format, string> = { json: "application/json", protobuf: "application/x-protobuf" };

/** The format a Content-Type names; undefined for anything else. */
export function formatOf(contentType: string | undefined): Format | undefined {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  return undefined;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** A length-delimited field (`field` number) holding `bytes`. */
function lenField(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes]);
}

/** A 200 body: empty on full success (zero bytes in protobuf), else partialSuccess with the rejected count. */
export function successBody(format: Format, rejected: number, message: string): Buffer {
  if (rejected === 0) return format === "json" ? Buffer.from("{}") : Buffer.alloc(0);
  if (format === "json") return Buffer.from(JSON.stringify({ partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } }));
  const partial = Buffer.concat([Buffer.from([(1 << 3) | 0, ...varint(rejected)]), lenField(2, Buffer.from(message, "utf8"))]);
  return lenField(1, partial);
}

/** gRPC status codes the Status body carries (the HTTP status is what clients act on). */
const GRPC_CODE: Record<number, number> = { 400: 3, 401: 16, 404: 5, 413: 8, 415: 3, 429: 8, 500: 13, 503: 14 };

/** A 4xx/5xx body: google.rpc.Status with a code and a message. */
export function statusBody(format: Format, httpStatus: number, message: string): Buffer {
  const code = GRPC_CODE[httpStatus] ?? 2;
  if (format === "json") return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.concat([Buffer.from([(1 << 3) | 0, ...varint(code)]), lenField(2, Buffer.from(message, "utf8"))]);
}
