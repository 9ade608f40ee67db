import { describe, expect, it } from "vitest";
import { decodeProtobuf } from "../../src/ingest/decode-protobuf.ts";
import { BadData, type DecodedRequest } from "../../src/ingest/span.ts";

// Hand-built ExportTraceServiceRequest bytes (opentelemetry-proto trace/v1), one branch of the
// reader at a time. The SDK's own encodings are read in decode.test.ts.

type Bytes = number[];

/** A base-128 varint; negative numbers as their 64-bit two's complement (10 bytes), as int64 is sent. */
function varint(n: number | bigint): Bytes {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: Bytes = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? b | 0x80 : b);
  } while (v > 0n);
  return out;
}

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

const tag = (field: number, wire: number): Bytes => varint(field * 8 + wire);
const vField = (field: number, n: number | bigint): Bytes => [...tag(field, VARINT), ...varint(n)];
const lField = (field: number, ...parts: Bytes[]): Bytes => {
  const body = parts.flat();
  return [...tag(field, LEN), ...varint(body.length), ...body];
};
const sField = (field: number, s: string): Bytes => lField(field, [...Buffer.from(s, "utf8")]);
const fixed64 = (field: number, n: bigint): Bytes => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return [...tag(field, FIXED64), ...b];
};
const double = (field: number, x: number): Bytes => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x);
  return [...tag(field, FIXED64), ...b];
};

const TRACE = "5b8efff798038103d269b633813fc60c";
const SPAN = "eee19b7ec3c1b174";
const PARENT = "0102030405060708";
const hex = (h: string): Bytes => [...Buffer.from(h, "hex")];
const ids = (trace = TRACE, spanId = SPAN): Bytes => [...lField(1, hex(trace)), ...lField(2, hex(spanId))];

/** A KeyValue: key (1), value (2). */
const kv = (key: string, value: Bytes): Bytes => [...sField(1, key), ...lField(2, value)];
/** AnyValue kinds: string (1), bool (2), int (3), double (4), array (5), kvlist (6), bytes (7). */
const str = (s: string): Bytes => sField(1, s);
const int = (n: number | bigint): Bytes => vField(3, n);
const arr = (...items: Bytes[]): Bytes => lField(5, ...items.map((i) => lField(1, i)));
const kvlist = (...entries: Bytes[]): Bytes => lField(6, ...entries.map((e) => lField(1, e)));

/** request { resource_spans { resource? scope_spans { spans } } } */
const request = (spans: Bytes[], resource?: Bytes): Buffer =>
  Buffer.from(lField(1, ...(resource ? [lField(1, resource)] : []), lField(2, ...spans.map((s) => lField(2, s)))));

const WANTED = new Set(["k", "a", "b"]);
const decode = (body: Bytes | Buffer, wanted: ReadonlySet<string> = WANTED): DecodedRequest => decodeProtobuf(Buffer.from(body), wanted);
const only = (out: DecodedRequest) => {
  expect(out.resources).toHaveLength(1);
  expect(out.resources[0]!.spans).toHaveLength(1);
  return out.resources[0]!.spans[0]!;
};
/** The one span of a request holding `spanBody`. */
const oneSpan = (spanBody: Bytes) => only(decode(request([spanBody])));
/** The attributes kept from a span whose attributes are `kvs`. */
const attrsOf = (...kvs: Bytes[]) => Object.fromEntries(oneSpan([...ids(), ...kvs.map((k) => lField(9, k)).flat()]).attrs);
const NONE = Symbol("not kept");
/** The value kept for key "k" holding the AnyValue `value` (NONE when not kept). */
const valueOf = (value: Bytes) => {
  const attrs = oneSpan([...ids(), ...lField(9, kv("k", value))]).attrs;
  return attrs.has("k") ? attrs.get("k") : NONE;
};
const badData = (body: Bytes | Buffer, message: RegExp | string) => {
  expect(() => decode(body)).toThrow(BadData);
  expect(() => decode(body)).toThrow(message);
};

describe("protobuf varints", () => {
  const cases: [string, number | bigint, number][] = [
    ["zero", 0, 0],
    ["one byte", 127, 127],
    ["a continuation byte of exactly 0x80", 128, 128],
    ["two bytes", 300, 300],
    ["four bytes", 2 ** 28 - 1, 2 ** 28 - 1],
    ["five bytes, low bits only", 2 ** 28 + 1, 2 ** 28 + 1],
    ["five bytes, past 32 bits", 2 ** 32, 2 ** 32],
    ["five bytes, both halves", 2 ** 32 + 2 ** 31 + 5, 2 ** 32 + 2 ** 31 + 5],
    ["six bytes after a fifth byte of 0x80", 2 ** 35, 2 ** 35],
    ["six bytes, both halves", 2 ** 35 + 2 ** 28 + 3, 2 ** 35 + 2 ** 28 + 3],
    ["seven bytes after a sixth byte of 0x80", 2 ** 42, 2 ** 42],
    ["eight bytes", 2 ** 53 - 1, 2 ** 53 - 1],
    ["nine bytes, beyond 2^53 (rounded)", 2n ** 62n + 5n, 2 ** 62],
    ["ten bytes: -1", -1, -1],
    ["ten bytes: a negative int64", -(2 ** 40) - 7, -(2 ** 40) - 7],
  ];
  for (const [name, n, expected] of cases)
    it(`an int attribute: ${name}`, () => {
      expect(valueOf(int(n))).toBe(expected);
    });

  it("a varint that never ends within ten bytes is malformed; one cut short is truncated", () => {
    badData([...Array(10).fill(0xff), 0x01], "malformed varint");
    badData([0x80], "truncated protobuf message");
    // Nine continuation bytes and the end: truncated, not malformed.
    badData(Array(9).fill(0xff), "truncated protobuf message");
    badData([0x0a, 0x02, 0x12, 0x80], "truncated protobuf message");
    badData([0x0a, 0x80, 0x80], "truncated protobuf message");
  });
});

describe("protobuf structure", () => {
  it("reads a span's ids, times and wanted attributes, and the resource's service.name", () => {
    const out = decode(
      request(
        [
          [
            ...ids(),
            ...lField(4, hex(PARENT)),
            ...fixed64(7, 1_793_614_529_000_000_000n),
            ...lField(9, kv("k", str("v"))),
            ...lField(9, kv("unwanted", str("x"))),
            ...fixed64(8, 1_793_614_530_123_456_789n),
          ],
        ],
        [...lField(1, kv("service.name", str("svc")))],
      ),
    );
    const s = only(out);
    expect(out.resources[0]!.service).toBe("svc");
    expect(s).toEqual({ traceId: TRACE, spanId: SPAN, parentSpanId: PARENT, atMs: 1_793_614_530_123, attrs: new Map([["k", "v"]]) });
    expect(out).toMatchObject({ rejected: 0, reasons: [] });
  });

  it("the end time wins over the start time in any order; the start time when there is no end; else 0", () => {
    expect(oneSpan([...ids(), ...fixed64(8, 3_000_000n), ...fixed64(7, 2_000_000n)]).atMs).toBe(3);
    expect(oneSpan([...ids(), ...fixed64(7, 2_999_999n)]).atMs).toBe(2);
    expect(oneSpan(ids()).atMs).toBe(0);
    // Both halves of the fixed64.
    expect(oneSpan([...ids(), ...fixed64(8, 2n ** 40n + 5_000_000n)]).atMs).toBe(Math.floor((2 ** 40 + 5_000_000) / 1e6));
  });

  it("a resource without service.name, or with one that is not a string, has service ''", () => {
    expect(decode(request([ids()])).resources[0]!.service).toBe("");
    expect(decode(request([ids()], [...lField(1, kv("service.name", int(5)))])).resources[0]!.service).toBe("");
    // Other resource attributes and fields are skipped; a later service.name is read.
    const res = [...vField(2, 3), ...vField(1, 100), ...lField(1, kv("host.name", str("h"))), ...lField(1, kv("service.name", str("s2")))];
    expect(decode(request([ids()], res)).resources[0]!.service).toBe("s2");
  });

  it("several resources and scopes; spans flattened per resource", () => {
    const rs = (svc: string, ...scopes: Bytes[][]): Bytes =>
      lField(1, lField(1, lField(1, kv("service.name", str(svc)))), ...scopes.map((spans) => lField(2, ...spans.map((s) => lField(2, s)))));
    const out = decode([...rs("a", [ids()], [ids(TRACE, PARENT)]), ...rs("b", [])]);
    expect(out.resources.map((r) => [r.service, r.spans.map((s) => s.spanId)])).toEqual([
      ["a", [SPAN, PARENT]],
      ["b", []],
    ]);
  });

  it("unknown fields of every wire type are skipped at every level", () => {
    const unknown = [...vField(15, 300), ...fixed64(14, 7n), ...lField(13, [1, 2, 3]), ...tag(12, FIXED32), 1, 2, 3, 4];
    const spanBody = [
      ...unknown,
      ...ids(),
      ...unknown,
      ...lField(9, [...unknown, ...kv("k", [...unknown, ...str("v"), ...unknown]), ...unknown]),
    ];
    const scope = lField(2, unknown, lField(1, [0x0a, 0x01, 0x78]), lField(2, spanBody), unknown);
    const resource = lField(1, unknown, lField(1, kv("service.name", str("svc"))), unknown);
    const body = [...unknown, ...lField(1, unknown, resource, unknown, scope, unknown), ...unknown];
    const out = decode(body);
    expect(out.resources[0]!.service).toBe("svc");
    expect(Object.fromEntries(only(out).attrs)).toEqual({ k: "v" });
    // Known field numbers with other wire types are unknown fields too.
    const wrongWire = [...vField(1, 5), ...fixed64(2, 1n)];
    const out2 = decode([...wrongWire, ...lField(1, wrongWire, lField(2, vField(2, 1), lField(2, ids())))]);
    expect(out2.resources).toHaveLength(1);
    expect(only(out2).spanId).toBe(SPAN);
  });

  it("an unsupported wire type is bad data, naming it", () => {
    badData([0x0b], "unsupported wire type 3");
    badData([0x0c], "unsupported wire type 4");
    badData([...tag(1, 6)], "unsupported wire type 6");
  });

  it("a field that runs past its message is bad data", () => {
    badData([0x0a, 0x05, 0x01], "length-delimited field runs past its message");
    // A length of -1 (ten-byte varint).
    badData([0x0a, ...varint(-1)], "length-delimited field runs past its message");
    badData([...tag(15, FIXED32), 1, 2], "field runs past its message");
    badData([...tag(15, FIXED64), 1, 2, 3, 4, 5, 6, 7], "field runs past its message");
    // A fixed32 that ends exactly at the end is fine.
    expect(decode([...tag(15, FIXED32), 1, 2, 3, 4]).resources).toEqual([]);
    expect(decode([...tag(15, FIXED64), 1, 2, 3, 4, 5, 6, 7, 8]).resources).toEqual([]);
  });

  it("a varint that runs past its span or its key-value is bad data", () => {
    // The span's last field is a varint whose last byte lies outside the span.
    const spanBody = [...ids(), ...tag(3, VARINT), 0x80];
    const body = lField(1, lField(2, [...tag(2, LEN), spanBody.length, ...spanBody, 0x01]));
    badData(body, "field runs past its message");
    const kvBody = [...sField(1, "k"), ...tag(3, VARINT), 0x80];
    const spanBody2 = [...ids(), ...tag(9, LEN), kvBody.length, ...kvBody, 0x01];
    badData(request([spanBody2]), "field runs past its message");
    // A value's varint that runs past its key-value; a time that runs past its span.
    const kvBody3 = [...sField(1, "k"), ...tag(2, LEN), 2, ...tag(3, VARINT), 0x80];
    badData(request([[...ids(), ...tag(9, LEN), kvBody3.length, ...kvBody3, 0x01]]), "field runs past its message");
    const spanBody4 = [...ids(), ...tag(8, FIXED64), 1, 2, 3, 4];
    const scope = [...tag(2, LEN), spanBody4.length, ...spanBody4, 5, 6, 7, 8];
    badData(lField(1, lField(2, scope)), "field runs past its message");
  });

  it("a time that is not whole is truncated; a time that ends the body exactly is read", () => {
    const spanBody = [...ids(), ...tag(8, FIXED64), 1, 2, 3, 4];
    badData(request([spanBody]), "truncated fixed64");
    expect(oneSpan([...ids(), ...fixed64(8, 5_000_000n)]).atMs).toBe(5);
  });

  it("span fields of the wrong wire type are bad data, naming the field", () => {
    const wrong: [Bytes, string][] = [
      [vField(1, 1), "span.trace_id is not bytes"],
      [vField(2, 1), "span.span_id is not bytes"],
      [vField(4, 1), "span.parent_span_id is not bytes"],
      [lField(7, [1, 2, 3, 4, 5, 6, 7, 8]), "span.start_time_unix_nano is not fixed64"],
      [lField(8, [1, 2, 3, 4, 5, 6, 7, 8]), "span.end_time_unix_nano is not fixed64"],
      [vField(9, 1), "span.attributes is not a message"],
    ];
    for (const [field, message] of wrong) badData(request([[...ids(), ...field]]), message);
  });

  it("spans with ids of the wrong size are rejected with a reason, the others kept", () => {
    const out = decode(
      request([
        [...lField(1, [1, 2, 3]), ...lField(2, hex(SPAN))],
        [...lField(1, hex(TRACE)), ...lField(2, [1, 2])],
        lField(2, hex(SPAN)),
        [...ids(TRACE, PARENT), ...lField(4, [1, 2, 3])],
        [...ids(TRACE, "1111111111111111"), ...lField(4, [])],
        ids(),
      ]),
    );
    expect(out.rejected).toBe(4);
    expect(out.reasons).toEqual([
      "span without a valid trace_id (16 bytes) and span_id (8 bytes)",
      "span with a parent_span_id that is not 8 bytes",
    ]);
    expect(out.resources[0]!.spans.map((s) => [s.spanId, s.parentSpanId])).toEqual([
      ["1111111111111111", ""],
      [SPAN, ""],
    ]);
  });
});

describe("protobuf attribute values", () => {
  it("string, bool, int and double", () => {
    expect(valueOf(str("héllo"))).toBe("héllo");
    expect(valueOf(str(""))).toBe("");
    expect(valueOf(vField(2, 1))).toBe(true);
    expect(valueOf(vField(2, 0))).toBe(false);
    expect(valueOf(vField(2, 2))).toBe(true);
    expect(valueOf(double(4, 0.5))).toBe(0.5);
    expect(valueOf(double(4, -1e300))).toBe(-1e300);
  });

  it("the last value field wins", () => {
    expect(valueOf([...str("a"), ...int(3)])).toBe(3);
    expect(valueOf([...int(3), ...double(4, 1.5)])).toBe(1.5);
  });

  it("bytes, empty values and unknown fields are not kept", () => {
    expect(valueOf(lField(7, [0x08, 0x01]))).toBe(NONE);
    expect(valueOf([])).toBe(NONE);
    expect(valueOf([...vField(9, 5), ...fixed64(10, 7n), ...lField(11, [0x08, 0x01]), ...tag(12, FIXED32), 0, 0, 0, 0])).toBe(NONE);
    expect(attrsOf(kv("k", lField(7, [])))).toStrictEqual({});
  });

  it("known value fields with the wrong wire type are skipped", () => {
    const wrong = [
      vField(1, 3),
      lField(2, [1]),
      fixed64(2, 1n),
      lField(3, [1]),
      fixed64(3, 1n),
      vField(4, 1),
      lField(4, [1]),
      vField(5, 1),
      vField(6, 1),
    ];
    for (const w of wrong) expect(valueOf([...str("s"), ...w])).toBe("s");
  });

  it("a double cut short is bad data", () => {
    badData(request([[...ids(), ...lField(9, kv("k", [...tag(4, FIXED64), 1, 2, 3, 4]))]]), "truncated double");
    // Cut short within its value, though the body goes on.
    const body = request([[...ids(), ...lField(9, kv("k", [...tag(4, FIXED64), 1, 2, 3, 4])), ...vField(15, 2 ** 60)]]);
    badData(body, "truncated double");
  });

  it("arrays and kvlists are kept as JSON text", () => {
    expect(valueOf(arr(str("a"), int(2), vField(2, 1), double(4, 0.5)))).toBe('["a",2,true,0.5]');
    expect(valueOf(arr())).toBe("[]");
    expect(valueOf(kvlist(kv("role", str("user")), kv("n", int(3))))).toBe('{"role":"user","n":3}');
    expect(valueOf(kvlist())).toBe("{}");
    expect(valueOf(arr(kvlist(kv("x", arr(str("y"))))))).toBe('[{"x":["y"]}]');
  });

  it("array items and kvlist entries skip unknown fields and wrong wire types", () => {
    // ArrayValue { values: "a", 2: "zz" (unknown), 1: varint (wrong wire), values: 5 }
    const arrayBody = [...lField(1, str("a")), ...lField(2, str("zz")), ...vField(1, 3), ...fixed64(3, 1n), ...lField(1, int(5))];
    expect(valueOf(lField(5, arrayBody))).toBe('["a",5]');
    const listBody = [...lField(1, kv("a", str("x"))), ...lField(2, kv("b", str("y"))), ...vField(1, 3), ...lField(1, kv("c", int(1)))];
    expect(valueOf(lField(6, listBody))).toBe('{"a":"x","c":1}');
  });

  it("an array item with no value is null; a kvlist entry without a key is dropped", () => {
    expect(valueOf(arr([], str("a")))).toBe('[null,"a"]');
    expect(valueOf(kvlist(lField(2, str("v")), kv("a", str("x"))))).toBe('{"a":"x"}');
    // An entry without a key is not one keyed "undefined".
    expect(valueOf(kvlist(kv("undefined", str("x")), lField(2, str("v"))))).toBe('{"undefined":"x"}');
    // Every key of a kvlist is decoded, not only the wanted ones.
    expect(valueOf(kvlist(kv("unwanted", str("x"))))).toBe('{"unwanted":"x"}');
  });

  it("values nested 16 levels deep are read; deeper is bad data", () => {
    const nest = (n: number, wrap: (v: Bytes) => Bytes) => {
      let v = str("x");
      for (let i = 0; i < n; i++) v = wrap(v);
      return v;
    };
    const viaArray = (v: Bytes) => arr(v);
    const viaKvlist = (v: Bytes) => kvlist(kv("a", v));
    expect(valueOf(nest(16, viaArray))).toBe(`${"[".repeat(16)}"x"${"]".repeat(16)}`);
    expect(valueOf(nest(16, viaKvlist))).toBe(`${'{"a":'.repeat(16)}"x"${"}".repeat(16)}`);
    for (const wrap of [viaArray, viaKvlist])
      badData(request([[...ids(), ...lField(9, kv("k", nest(17, wrap)))]]), "attribute value nested deeper than 16 levels");
  });
});

describe("protobuf key-values", () => {
  it("only wanted keys are kept; an unwanted value is not decoded", () => {
    // A value that would be bad data if it were decoded.
    const broken = [...tag(4, FIXED64), 1];
    expect(attrsOf(kv("unwanted", broken), kv("a", str("x")))).toEqual({ a: "x" });
    expect(() => attrsOf(kv("k", broken))).toThrow("truncated double");
    // The last key wins, and it decides.
    expect(attrsOf([...sField(1, "k"), ...lField(2, str("v")), ...sField(1, "zz")])).toStrictEqual({});
  });

  it("the value may come before its key: fields come in any order", () => {
    expect(attrsOf([...lField(2, str("v")), ...sField(1, "k")])).toStrictEqual({ k: "v" });
    expect(attrsOf([...sField(1, "zz"), ...lField(2, str("v")), ...sField(1, "k")])).toStrictEqual({ k: "v" });
    expect(valueOf(kvlist([...lField(2, int(1)), ...sField(1, "a")]))).toBe('{"a":1}');
    const resource = lField(1, [...lField(2, str("svc")), ...sField(1, "service.name")]);
    expect(decode(request([ids()], resource)).resources[0]!.service).toBe("svc");
    // Still decoded only for a wanted key, and a keyless kvlist entry's value not at all.
    const broken = [...tag(4, FIXED64), 1];
    expect(attrsOf([...lField(2, broken), ...sField(1, "unwanted")])).toStrictEqual({});
    expect(valueOf(kvlist(lField(2, broken), kv("a", str("x"))))).toBe('{"a":"x"}');
    expect(() => attrsOf([...lField(2, broken), ...sField(1, "k")])).toThrow("truncated double");
    // A value whose varint runs on into the key after it.
    expect(() => attrsOf([...tag(2, LEN), 2, ...tag(3, VARINT), 0x80, ...sField(1, "k")])).toThrow("field runs past its message");
  });

  it("a key-value with no key or no value is not kept", () => {
    expect(attrsOf(lField(2, str("v")))).toStrictEqual({});
    expect(attrsOf(sField(1, "k"))).toStrictEqual({});
  });

  it("unknown fields and wrong wire types in a key-value are skipped", () => {
    expect(
      attrsOf([...sField(1, "k"), ...vField(5, 1), ...lField(5, [1]), ...vField(2, 1), ...lField(2, str("v")), ...vField(1, 1)]),
    ).toEqual({
      k: "v",
    });
    expect(attrsOf([...vField(1, 3), ...sField(1, "a"), ...lField(2, str("v"))])).toEqual({ a: "v" });
  });

  it("a wanted key's value of no known kind is not kept", () => {
    expect(attrsOf(kv("k", vField(9, 1)))).toStrictEqual({});
  });
});
