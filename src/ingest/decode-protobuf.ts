import { BadData, nanosToMs, reject, type AttrValue, type DecodedRequest, type DecodedSpan } from "./span.ts";

// A reader of only the ExportTraceServiceRequest fields the receiver uses (opentelemetry-proto
// trace/v1, common/v1, resource/v1; field numbers are frozen since OTLP 1.0). Everything else is
// skipped by wire type without being decoded, which is what keeps protobuf ingest fast.

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new BadData("truncated protobuf message");
    return this.buf[this.pos++]!;
  }

  /** A varint up to 64 bits as a number (int64 above 2^53 loses precision; negative int64 stays negative). */
  varint(): number {
    let lo = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo >>> 0;
    }
    let b = this.byte();
    lo |= (b & 0x7f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) return hi * 4294967296 + (lo >>> 0);
    // Stryker disable next-line EqualityOperator: shift takes 3, 10, 17, 24, 31, then 38, never 32, so < and <= agree
    for (let shift = 3; shift < 32; shift += 7) {
      b = this.byte();
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return (hi | 0) * 4294967296 + (lo >>> 0);
    }
    throw new BadData("malformed varint");
  }

  /** The end offset of a length-delimited field that starts here. */
  lenEnd(limit: number): number {
    const len = this.varint();
    const end = this.pos + len;
    if (len < 0 || end > limit) throw new BadData("length-delimited field runs past its message");
    return end;
  }

  fixed64Ms(): number {
    if (this.pos + 8 > this.end) throw new BadData("truncated fixed64");
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return nanosToMs(hi, lo);
  }

  skip(wire: number, limit: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === FIXED64) this.pos += 8;
    else if (wire === LEN) this.pos = this.lenEnd(limit);
    else if (wire === FIXED32) this.pos += 4;
    else throw new BadData(`unsupported wire type ${wire}`);
    if (this.pos > limit) throw new BadData("field runs past its message");
  }

  string(end: number): string {
    return this.buf.toString("utf8", this.pos, (this.pos = end));
  }
}

const MAX_DEPTH = 16;

/** Decodes an AnyValue as plain JS (arrays and kvlists too: only called for wanted keys). */
function anyValue(r: Reader, end: number, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new BadData(`attribute value nested deeper than ${MAX_DEPTH} levels`);
  let value: unknown;
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === LEN) value = r.string(r.lenEnd(end));
    else if (field === 2 && wire === VARINT) value = r.varint() !== 0;
    else if (field === 3 && wire === VARINT) value = r.varint();
    else if (field === 4 && wire === FIXED64) {
      if (r.pos + 8 > end) throw new BadData("truncated double");
      value = r.buf.readDoubleLE(r.pos);
      r.pos += 8;
    } else if ((field === 5 || field === 6) && wire === LEN) {
      const listEnd = r.lenEnd(end);
      const items: unknown[] = [];
      const obj: Record<string, unknown> = {};
      while (r.pos < listEnd) {
        const t = r.varint();
        if (t >>> 3 !== 1 || (t & 7) !== LEN) {
          r.skip(t & 7, listEnd);
          continue;
        }
        const itemEnd = r.lenEnd(listEnd);
        if (field === 5) items.push(anyValue(r, itemEnd, depth + 1));
        else {
          const [k, v] = keyValue(r, itemEnd, undefined, depth + 1);
          if (k !== undefined) obj[k] = v;
        }
      }
      value = field === 5 ? items : obj;
    } else r.skip(wire, end);
  }
  return value;
}

/**
 * A KeyValue; the value is decoded only when `wanted` is absent or holds the key. Fields may come
 * in any order (protobuf encoding), so the value's bytes are found first and decoded once the key
 * is known: a value sent before its key is kept too.
 */
function keyValue(r: Reader, end: number, wanted: ReadonlySet<string> | undefined, depth = 0): [string | undefined, unknown] {
  let key: string | undefined;
  // An empty range when there is no value field.
  let valueStart = end;
  let valueEnd = end;
  while (r.pos < end) {
    const tag = r.varint();
    const wire = tag & 7;
    if (tag >>> 3 === 1 && wire === LEN) key = r.string(r.lenEnd(end));
    else if (tag >>> 3 === 2 && wire === LEN) {
      valueEnd = r.lenEnd(end);
      valueStart = r.pos;
      r.pos = valueEnd;
    } else r.skip(wire, end);
  }
  // Stryker disable next-line ArrayDeclaration: no caller reads the key without its value (attributesInto needs the value; a kvlist gets here only without a key), so [] agrees
  if (key === undefined || (wanted && !wanted.has(key))) return [key, undefined];
  r.pos = valueStart;
  const value = anyValue(r, valueEnd, depth);
  // A varint (the only unchecked read) that ran past the value.
  if (r.pos !== valueEnd) throw new BadData("field runs past its message");
  r.pos = end;
  return [key, value];
}

/** Keeps a wanted attribute: scalars as they are, arrays and maps as JSON text. */
function attributesInto(r: Reader, end: number, attrs: Map<string, AttrValue>, wanted: ReadonlySet<string>): void {
  const [k, v] = keyValue(r, end, wanted);
  // keyValue decodes a value only for a wanted key, so k is set whenever v is.
  if (v !== undefined) attrs.set(k!, typeof v === "object" ? JSON.stringify(v) : (v as AttrValue));
}

function hexId(r: Reader, end: number, bytes: number): string {
  const id = end - r.pos === bytes ? r.buf.toString("hex", r.pos, end) : end === r.pos ? "" : "!";
  r.pos = end;
  return id;
}

function span(r: Reader, end: number, wanted: ReadonlySet<string>): DecodedSpan {
  const s: DecodedSpan = {
    // Stryker disable next-line StringLiteral: a span without a trace_id is rejected by addSpan's length check, whatever this placeholder is
    traceId: "",
    // Stryker disable next-line StringLiteral: a span without a span_id is rejected by addSpan's length check, whatever this placeholder is
    spanId: "",
    parentSpanId: "",
    atMs: 0,
    attrs: new Map(),
  };
  let startMs = 0;
  while (r.pos < end) {
    const tag = r.varint();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wire !== LEN) throw new BadData("span.trace_id is not bytes");
        s.traceId = hexId(r, r.lenEnd(end), 16);
        break;
      case 2:
        if (wire !== LEN) throw new BadData("span.span_id is not bytes");
        s.spanId = hexId(r, r.lenEnd(end), 8);
        break;
      case 4:
        if (wire !== LEN) throw new BadData("span.parent_span_id is not bytes");
        s.parentSpanId = hexId(r, r.lenEnd(end), 8);
        break;
      case 7:
        if (wire !== FIXED64) throw new BadData("span.start_time_unix_nano is not fixed64");
        startMs = r.fixed64Ms();
        break;
      case 8:
        if (wire !== FIXED64) throw new BadData("span.end_time_unix_nano is not fixed64");
        s.atMs = r.fixed64Ms();
        break;
      case 9:
        if (wire !== LEN) throw new BadData("span.attributes is not a message");
        attributesInto(r, r.lenEnd(end), s.attrs, wanted);
        break;
      default:
        r.skip(wire, end);
    }
  }
  if (r.pos !== end) throw new BadData("field runs past its message");
  if (s.atMs === 0) s.atMs = startMs;
  return s;
}

const SERVICE_NAME = new Set(["service.name"]);

/** Resource.attributes' service.name ("" when absent). */
function resourceService(r: Reader, end: number): string {
  const attrs = new Map<string, AttrValue>();
  while (r.pos < end) {
    const tag = r.varint();
    if (tag >>> 3 === 1 && (tag & 7) === LEN) attributesInto(r, r.lenEnd(end), attrs, SERVICE_NAME);
    else r.skip(tag & 7, end);
  }
  const name = attrs.get("service.name");
  return typeof name === "string" ? name : "";
}

/** Checks a span's ids and adds it, or counts it rejected. */
function addSpan(out: DecodedRequest, spans: DecodedSpan[], s: DecodedSpan): void {
  if (s.traceId.length !== 32 || s.spanId.length !== 16) reject(out, "span without a valid trace_id (16 bytes) and span_id (8 bytes)");
  else if (s.parentSpanId === "!") reject(out, "span with a parent_span_id that is not 8 bytes");
  else spans.push(s);
}

/**
 * Decodes a binary protobuf ExportTraceServiceRequest, keeping of each span only its ids, its
 * time and the attributes in `wanted`. Throws BadData for a body that is not such a message.
 */
export function decodeProtobuf(body: Buffer, wanted: ReadonlySet<string>): DecodedRequest {
  const out: DecodedRequest = { resources: [], rejected: 0, reasons: [] };
  const r = new Reader(body, 0, body.length);
  while (r.pos < r.end) {
    const tag = r.varint();
    if (tag >>> 3 !== 1 || (tag & 7) !== LEN) {
      r.skip(tag & 7, r.end);
      continue;
    }
    const rsEnd = r.lenEnd(r.end);
    const resource = { service: "", spans: [] as DecodedSpan[] };
    while (r.pos < rsEnd) {
      const t = r.varint();
      const field = t >>> 3;
      if (field === 1 && (t & 7) === LEN) resource.service = resourceService(r, r.lenEnd(rsEnd));
      else if (field === 2 && (t & 7) === LEN) {
        const ssEnd = r.lenEnd(rsEnd);
        while (r.pos < ssEnd) {
          const st = r.varint();
          if (st >>> 3 === 2 && (st & 7) === LEN) addSpan(out, resource.spans, span(r, r.lenEnd(ssEnd), wanted));
          else r.skip(st & 7, ssEnd);
        }
      } else r.skip(t & 7, rsEnd);
    }
    out.resources.push(resource);
  }
  return out;
}
