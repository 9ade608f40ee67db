import { BadData, reject, type AttrValue, type DecodedRequest, type DecodedResource, type DecodedSpan } from "./span.ts";

// The proto3 JSON mapping of ExportTraceServiceRequest as OTLP/HTTP uses it: lowerCamelCase keys
// (snake_case accepted too, as proto3 JSON parsers do), hex trace and span ids, 64-bit integers as
// strings or numbers, unknown fields ignored. Checked by hand rather than with a schema: this runs
// for every span at tens of thousands a second, and only a few fields of each are read.

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** `o.camel`, else `o.snake`. */
const field = (o: Obj, camel: string, snake: string): unknown => (o[camel] !== undefined ? o[camel] : o[snake]);

/** A repeated field: absent or null is empty; anything but an array is bad data. */
function list(o: Obj, camel: string, snake: string, where: string): unknown[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new BadData(`${where}.${camel} must be an array`);
  return v;
}

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A trace or span id as lowercase hex: hex as OTLP/JSON specifies, or base64 as the plain proto3
 * mapping (some exporters) sends it; "" when absent; "!" when neither.
 */
export function jsonId(v: unknown, bytes: number): string {
  if (v === undefined || v === null || v === "") return "";
  if (typeof v !== "string") return "!";
  if (v.length === bytes * 2 && HEX.test(v)) return v.toLowerCase();
  if (v.length === Math.ceil(bytes / 3) * 4 && BASE64.test(v)) {
    const raw = Buffer.from(v, "base64");
    if (raw.length === bytes) return raw.toString("hex");
  }
  return "!";
}

/** A uint64 nanosecond time (decimal string or number) in ms; 0 when absent; NaN when malformed. */
export function jsonNanosToMs(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === "number") return Number.isFinite(v) && v >= 0 ? Math.floor(v / 1e6) : NaN;
  if (typeof v !== "string" || !/^\d{1,20}$/.test(v)) return NaN;
  // Whole ms from the digits, so no precision is lost past 2^53 ns.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a short cut; for 6 digits or fewer slice(0, -6) is "" and Number("") is 0 too
  return v.length <= 6 ? 0 : Number(v.slice(0, -6));
}

/** An AnyValue as plain JS (int64 strings become numbers); undefined when it holds nothing known. */
export function jsonAnyValue(v: unknown, depth = 0): unknown {
  if (!isObj(v) || depth > 16) return undefined;
  const s = field(v, "stringValue", "string_value");
  if (typeof s === "string") return s;
  const b = field(v, "boolValue", "bool_value");
  if (typeof b === "boolean") return b;
  const i = field(v, "intValue", "int_value");
  if (typeof i === "number") return i;
  if (typeof i === "string" && /^-?\d+$/.test(i)) return Number(i);
  const d = field(v, "doubleValue", "double_value");
  if (typeof d === "number") return d;
  // proto3 JSON writes NaN and infinities as strings.
  if (typeof d === "string" && d.trim() !== "" && !Number.isNaN(Number(d))) return Number(d);
  const arr = field(v, "arrayValue", "array_value");
  if (isObj(arr)) return (Array.isArray(arr.values) ? arr.values : []).map((x) => jsonAnyValue(x, depth + 1) ?? null);
  const kv = field(v, "kvlistValue", "kvlist_value");
  if (isObj(kv)) {
    const out: Obj = {};
    // Stryker disable next-line ArrayDeclaration: a stand-in list of strings reads as empty too, since only objects with a string key are read
    for (const e of Array.isArray(kv.values) ? kv.values : [])
      if (isObj(e) && typeof e.key === "string") out[e.key] = jsonAnyValue(e.value, depth + 1) ?? null;
    return out;
  }
  return undefined;
}

/** The wanted attributes of a KeyValue list: scalars as they are, arrays and maps as JSON text. */
function attributes(raw: unknown, wanted: ReadonlySet<string>, into: Map<string, AttrValue>): void {
  if (!Array.isArray(raw)) return;
  for (const kv of raw) {
    if (!isObj(kv) || typeof kv.key !== "string" || !wanted.has(kv.key)) continue;
    const v = jsonAnyValue(kv.value);
    if (v === undefined || v === null) continue;
    into.set(kv.key, typeof v === "object" ? JSON.stringify(v) : (v as AttrValue));
  }
}

function span(raw: unknown, wanted: ReadonlySet<string>, out: DecodedRequest, spans: DecodedSpan[]): void {
  if (!isObj(raw)) return reject(out, "span is not an object");
  const traceId = jsonId(field(raw, "traceId", "trace_id"), 16);
  const spanId = jsonId(field(raw, "spanId", "span_id"), 8);
  const parentSpanId = jsonId(field(raw, "parentSpanId", "parent_span_id"), 8);
  if (traceId.length !== 32 || spanId.length !== 16) return reject(out, "span without a valid hex traceId (16 bytes) and spanId (8 bytes)");
  if (parentSpanId === "!") return reject(out, "span with a parentSpanId that is not 8 bytes of hex");
  const end = jsonNanosToMs(field(raw, "endTimeUnixNano", "end_time_unix_nano"));
  const start = jsonNanosToMs(field(raw, "startTimeUnixNano", "start_time_unix_nano"));
  if (Number.isNaN(end) || Number.isNaN(start)) return reject(out, "span time is not a uint64 of nanoseconds");
  const s: DecodedSpan = { traceId, spanId, parentSpanId, atMs: end || start, attrs: new Map() };
  attributes(raw.attributes, wanted, s.attrs);
  spans.push(s);
}

const SERVICE_NAME = new Set(["service.name"]);

/** Decodes a parsed OTLP/JSON ExportTraceServiceRequest; throws BadData when its shape is wrong. */
export function decodeJsonValue(body: unknown, wanted: ReadonlySet<string>): DecodedRequest {
  if (!isObj(body)) throw new BadData("the body must be a JSON object (an ExportTraceServiceRequest)");
  const out: DecodedRequest = { resources: [], rejected: 0, reasons: [] };
  for (const rs of list(body, "resourceSpans", "resource_spans", "request")) {
    if (!isObj(rs)) throw new BadData("resourceSpans[] must hold objects");
    const resource: DecodedResource = { service: "", spans: [] };
    const res = rs.resource;
    if (isObj(res)) {
      const attrs = new Map<string, AttrValue>();
      attributes(res.attributes, SERVICE_NAME, attrs);
      const name = attrs.get("service.name");
      resource.service = typeof name === "string" ? name : "";
    }
    // instrumentationLibrarySpans: the name before OTLP 0.15, still sent by old exporters.
    const scopes = [
      ...list(rs, "scopeSpans", "scope_spans", "resourceSpans[]"),
      ...list(rs, "instrumentationLibrarySpans", "instrumentation_library_spans", "resourceSpans[]"),
    ];
    for (const ss of scopes) {
      if (!isObj(ss)) throw new BadData("scopeSpans[] must hold objects");
      for (const sp of list(ss, "spans", "spans", "scopeSpans[]")) span(sp, wanted, out, resource.spans);
    }
    out.resources.push(resource);
  }
  return out;
}

/** Parses and decodes an OTLP/JSON body; BadData when it is not JSON or not such a request. */
export function decodeJson(body: Buffer, wanted: ReadonlySet<string>): DecodedRequest {
  if (body.length === 0) return { resources: [], rejected: 0, reasons: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new BadData(`the body is not valid JSON: ${(e as Error).message}`);
  }
  return decodeJsonValue(parsed, wanted);
}
