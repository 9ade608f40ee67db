import { describe, expect, it } from "vitest";
import { decodeJson, decodeJsonValue, jsonAnyValue, jsonId, jsonNanosToMs } from "../../src/ingest/decode-json.ts";
import { BadData, type DecodedRequest } from "../../src/ingest/span.ts";

// The proto3 JSON mapping of ExportTraceServiceRequest, one rule at a time. The SDK's own JSON
// encoding is read in decode.test.ts.

const TRACE = "5b8efff798038103d269b633813fc60c";
const SPAN = "eee19b7ec3c1b174";
const PARENT = "0102030405060708";
const WANTED = new Set(["k", "a"]);

type Obj = Record<string, unknown>;
const ids = { traceId: TRACE, spanId: SPAN };
/** A request of one resource with one scope holding `spans`. */
const request = (spans: unknown[], resource?: unknown): Obj => ({ resourceSpans: [{ resource, scopeSpans: [{ spans }] }] });
const only = (out: DecodedRequest) => {
  expect(out.resources).toHaveLength(1);
  expect(out.resources[0]!.spans).toHaveLength(1);
  return out.resources[0]!.spans[0]!;
};
const oneSpan = (s: Obj) => only(decodeJsonValue(request([s]), WANTED));
const attrsOf = (attributes: unknown) => Object.fromEntries(oneSpan({ ...ids, attributes }).attrs);
const badData = (body: unknown, message: string) => {
  expect(() => decodeJsonValue(body, WANTED)).toThrow(BadData);
  expect(() => decodeJsonValue(body, WANTED)).toThrow(message);
};
/** The reasons spans were rejected for, with the count. */
const rejected = (...spans: unknown[]) => {
  const out = decodeJsonValue(request(spans), WANTED);
  return { rejected: out.rejected, reasons: out.reasons, kept: out.resources[0]!.spans.length };
};

describe("JSON ids", () => {
  it("hex of either case; base64 of the right size", () => {
    expect(jsonId(TRACE.toUpperCase(), 16)).toBe(TRACE);
    expect(jsonId(Buffer.from(TRACE, "hex").toString("base64"), 16)).toBe(TRACE);
    expect(jsonId(Buffer.from(SPAN, "hex").toString("base64"), 8)).toBe(SPAN);
    expect(jsonId("EEE19b7ec3c1B174", 8)).toBe(SPAN);
  });

  it("absent is ''; anything else is '!'", () => {
    for (const none of [undefined, null, ""]) expect(jsonId(none, 8)).toBe("");
    for (const bad of [12, true, {}, [SPAN], SPAN.slice(1), `${SPAN}0`, "g".repeat(16)]) expect(jsonId(bad, 8)).toBe("!");
    // Something that is not a string is never an id, whatever it turns into as text.
    expect(jsonId({ length: 16, toString: () => SPAN }, 8)).toBe("!");
  });

  it("base64 must be padded standard base64 that decodes to exactly the id's size", () => {
    const b64 = Buffer.from(TRACE, "hex").toString("base64");
    // Unpadded: 22 characters for 16 bytes.
    expect(jsonId(b64.replace(/=+$/, ""), 16)).toBe("!");
    // URL-safe characters decode in Node but are not standard base64.
    expect(jsonId(Buffer.from("fbff" + TRACE.slice(4), "hex").toString("base64url") + "==", 16)).toBe("!");
    // 24 characters with one '=' decode to 17 bytes; 12 unpadded ones to 9.
    expect(jsonId("A".repeat(23) + "=", 16)).toBe("!");
    expect(jsonId("A".repeat(12), 8)).toBe("!");
    expect(jsonId("A".repeat(22) + "==", 16)).toBe("0".repeat(32));
  });
});

describe("JSON times", () => {
  it("uint64 nanoseconds as a decimal string or a number, in whole ms", () => {
    expect(jsonNanosToMs("1793614530123456789")).toBe(1793614530123);
    expect(jsonNanosToMs("18446744073709551615")).toBe(18446744073709);
    expect(jsonNanosToMs("1999999")).toBe(1);
    expect(jsonNanosToMs("999999")).toBe(0);
    expect(jsonNanosToMs("0")).toBe(0);
    expect(jsonNanosToMs(2_999_999)).toBe(2);
    expect(jsonNanosToMs(0)).toBe(0);
  });

  it("absent is 0; anything malformed is NaN", () => {
    expect(jsonNanosToMs(undefined)).toBe(0);
    expect(jsonNanosToMs(null)).toBe(0);
    for (const bad of [
      -1,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      "-5",
      "1e9",
      "12x",
      "x12",
      "",
      "123456789012345678901",
      true,
      {},
      ["1793614530123456789"],
    ])
      expect(jsonNanosToMs(bad)).toBeNaN();
  });
});

describe("JSON attribute values", () => {
  it("every kind, in lowerCamelCase or snake_case", () => {
    const cases: [Obj, unknown][] = [
      [{ stringValue: "s" }, "s"],
      [{ string_value: "s" }, "s"],
      [{ stringValue: "" }, ""],
      [{ boolValue: false }, false],
      [{ bool_value: true }, true],
      [{ intValue: 5 }, 5],
      [{ int_value: "-12" }, -12],
      [{ intValue: "9007199254740993" }, 9007199254740992],
      [{ doubleValue: 0.5 }, 0.5],
      [{ double_value: "1.5" }, 1.5],
      [{ doubleValue: "Infinity" }, Number.POSITIVE_INFINITY],
      [{ doubleValue: "-Infinity" }, Number.NEGATIVE_INFINITY],
      [{ arrayValue: { values: [{ stringValue: "a" }, { intValue: 2 }] } }, ["a", 2]],
      [{ array_value: { values: [] } }, []],
      [{ kvlistValue: { values: [{ key: "a", value: { boolValue: true } }] } }, { a: true }],
      [{ kvlist_value: { values: [{ key: "a", value: { stringValue: "b" } }] } }, { a: "b" }],
    ];
    for (const [v, expected] of cases) expect(jsonAnyValue(v), JSON.stringify(v)).toEqual(expected);
  });

  it("the camelCase name wins over the snake_case one", () => {
    expect(jsonAnyValue({ stringValue: "camel", string_value: "snake" })).toBe("camel");
  });

  it("values of the wrong type, or of no known kind, are nothing", () => {
    const nothing: unknown[] = [
      null,
      "s",
      [],
      {},
      { stringValue: 5 },
      { boolValue: "true" },
      { intValue: "12x" },
      { intValue: "x12" },
      { intValue: "1.5" },
      { intValue: true },
      { intValue: ["12"] },
      { doubleValue: "NaN" },
      { doubleValue: "" },
      { doubleValue: "  " },
      { doubleValue: "abc" },
      { doubleValue: true },
      { arrayValue: [] },
      { kvlistValue: "x" },
      { bytesValue: "AAEC" },
    ];
    for (const v of nothing) expect(jsonAnyValue(v), JSON.stringify(v)).toBeUndefined();
  });

  it("arrays and kvlists without values are empty; unreadable items are null; bad entries are dropped", () => {
    expect(jsonAnyValue({ arrayValue: {} })).toEqual([]);
    expect(jsonAnyValue({ arrayValue: { values: "x" } })).toEqual([]);
    expect(jsonAnyValue({ kvlistValue: {} })).toEqual({});
    expect(jsonAnyValue({ kvlistValue: { values: {} } })).toEqual({});
    expect(jsonAnyValue({ arrayValue: { values: [{}, 5, { stringValue: "a" }] } })).toEqual([null, null, "a"]);
    const entries = [
      null,
      5,
      { key: 3, value: { stringValue: "x" } },
      { value: { stringValue: "x" } },
      { key: "n" },
      { key: "a", value: { intValue: 1 } },
    ];
    expect(jsonAnyValue({ kvlistValue: { values: entries } })).toEqual({ n: null, a: 1 });
  });

  it("values nested 16 levels deep are read; deeper ones are null", () => {
    const nest = (n: number, wrap: (v: Obj) => Obj) => {
      let v: Obj = { stringValue: "x" };
      for (let i = 0; i < n; i++) v = wrap(v);
      return v;
    };
    const viaArray = (v: Obj) => ({ arrayValue: { values: [v] } });
    const viaKvlist = (v: Obj) => ({ kvlistValue: { values: [{ key: "a", value: v }] } });
    const deep = (n: number, leaf: unknown, wrap: (v: unknown) => unknown) => {
      let v = leaf;
      for (let i = 0; i < n; i++) v = wrap(v);
      return v;
    };
    expect(jsonAnyValue(nest(16, viaArray))).toEqual(deep(16, "x", (v) => [v]));
    expect(jsonAnyValue(nest(17, viaArray))).toEqual(deep(17, null, (v) => [v]));
    expect(jsonAnyValue(nest(16, viaKvlist))).toEqual(deep(16, "x", (v) => ({ a: v })));
    expect(jsonAnyValue(nest(17, viaKvlist))).toEqual(deep(17, null, (v) => ({ a: v })));
  });
});

describe("JSON spans", () => {
  it("reads ids, times and wanted attributes; arrays and maps as JSON text", () => {
    const s = oneSpan({
      ...ids,
      parentSpanId: PARENT,
      startTimeUnixNano: "1793614529000000000",
      endTimeUnixNano: "1793614530123456789",
      attributes: [
        { key: "k", value: { arrayValue: { values: [{ stringValue: "a" }] } } },
        { key: "a", value: { kvlistValue: { values: [{ key: "role", value: { stringValue: "user" } }] } } },
        { key: "unwanted", value: { stringValue: "x" } },
      ],
    });
    expect(s).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: PARENT,
      atMs: 1793614530123,
      attrs: new Map([
        ["k", '["a"]'],
        ["a", '{"role":"user"}'],
      ]),
    });
  });

  it("snake_case field names are read too", () => {
    const s = oneSpan({ trace_id: TRACE, span_id: SPAN, parent_span_id: PARENT, end_time_unix_nano: 5_000_000 });
    expect([s.traceId, s.spanId, s.parentSpanId, s.atMs]).toEqual([TRACE, SPAN, PARENT, 5]);
    expect(oneSpan({ ...ids, start_time_unix_nano: "7000000" }).atMs).toBe(7);
  });

  it("the end time, else the start time, else 0", () => {
    expect(oneSpan({ ...ids, startTimeUnixNano: 2_000_000, endTimeUnixNano: 3_000_000 }).atMs).toBe(3);
    expect(oneSpan({ ...ids, startTimeUnixNano: 2_000_000 }).atMs).toBe(2);
    expect(oneSpan(ids).atMs).toBe(0);
    expect(oneSpan(ids).parentSpanId).toBe("");
  });

  it("attributes that are not a list, entries that are not key-values, and empty values are skipped", () => {
    expect(attrsOf({ k: { stringValue: "v" } })).toEqual({});
    expect(attrsOf("k")).toEqual({});
    const s = oneSpan({
      ...ids,
      attributes: [
        null,
        5,
        { key: 1, value: { stringValue: "v" } },
        { value: { stringValue: "v" } },
        { key: "k", value: {} },
        { key: "a" },
      ],
    });
    expect([...s.attrs.keys()]).toEqual([]);
    expect(
      attrsOf([
        { key: "k", value: { intValue: "7" } },
        { key: "a", value: { boolValue: false } },
      ]),
    ).toEqual({ k: 7, a: false });
  });

  it("bad spans are rejected with a reason naming what was wrong; the request is not", () => {
    expect(rejected(5)).toEqual({ rejected: 1, reasons: ["span is not an object"], kept: 0 });
    expect(rejected(null, "x")).toEqual({ rejected: 2, reasons: ["span is not an object"], kept: 0 });
    const ids16 = "span without a valid hex traceId (16 bytes) and spanId (8 bytes)";
    expect(rejected({ spanId: SPAN })).toEqual({ rejected: 1, reasons: [ids16], kept: 0 });
    expect(rejected({ traceId: TRACE })).toEqual({ rejected: 1, reasons: [ids16], kept: 0 });
    expect(rejected({ traceId: TRACE, spanId: "xyz" })).toEqual({ rejected: 1, reasons: [ids16], kept: 0 });
    expect(rejected({ ...ids, parentSpanId: "abc" })).toEqual({
      rejected: 1,
      reasons: ["span with a parentSpanId that is not 8 bytes of hex"],
      kept: 0,
    });
    const time = "span time is not a uint64 of nanoseconds";
    expect(rejected({ ...ids, endTimeUnixNano: "soon" })).toEqual({ rejected: 1, reasons: [time], kept: 0 });
    expect(rejected({ ...ids, startTimeUnixNano: -1, endTimeUnixNano: 5 })).toEqual({ rejected: 1, reasons: [time], kept: 0 });
    expect(rejected(5, ids, { ...ids, endTimeUnixNano: "soon" })).toEqual({
      rejected: 2,
      reasons: ["span is not an object", time],
      kept: 1,
    });
  });
});

describe("JSON requests", () => {
  it("reads the service of each resource and the spans of every scope", () => {
    const out = decodeJsonValue(
      {
        resourceSpans: [
          {
            resource: {
              attributes: [
                { key: "host", value: { stringValue: "h" } },
                { key: "service.name", value: { stringValue: "svc" } },
              ],
            },
            scopeSpans: [{ spans: [ids] }, { spans: [{ ...ids, spanId: PARENT }] }],
          },
          { resource: { attributes: [{ key: "service.name", value: { intValue: 5 } }] }, scope_spans: [{ spans: [ids] }] },
          { resource: "x", instrumentationLibrarySpans: [{ spans: [ids] }] },
          { instrumentation_library_spans: [{ spans: [ids] }], scopeSpans: [{ spans: [{ ...ids, spanId: PARENT }] }] },
          { resource: { attributes: {} }, scopeSpans: null },
        ],
      },
      WANTED,
    );
    expect(out.resources.map((r) => [r.service, r.spans.map((s) => s.spanId)])).toEqual([
      ["svc", [SPAN, PARENT]],
      ["", [SPAN]],
      ["", [SPAN]],
      ["", [PARENT, SPAN]],
      ["", []],
    ]);
    expect(out.rejected).toBe(0);
  });

  it("snake_case resource_spans; absent or null lists are empty", () => {
    expect(decodeJsonValue({ resource_spans: [{}] }, WANTED).resources).toEqual([{ service: "", spans: [] }]);
    expect(decodeJsonValue({ resourceSpans: null }, WANTED).resources).toEqual([]);
    expect(decodeJsonValue({}, WANTED).resources).toEqual([]);
    expect(decodeJsonValue({ resourceSpans: [{ scopeSpans: [{ spans: null }, {}, { "": [ids] }] }] }, WANTED).resources).toEqual([
      { service: "", spans: [] },
    ]);
  });

  it("a request of the wrong shape is bad data, naming the field", () => {
    for (const body of [null, [], "x", 5]) badData(body, "the body must be a JSON object (an ExportTraceServiceRequest)");
    for (const v of [{}, "x", 5]) {
      badData({ resourceSpans: v }, "request.resourceSpans must be an array");
      badData({ resource_spans: v }, "request.resourceSpans must be an array");
      badData({ resourceSpans: [{ scopeSpans: v }] }, "resourceSpans[].scopeSpans must be an array");
      badData({ resourceSpans: [{ scope_spans: v }] }, "resourceSpans[].scopeSpans must be an array");
      badData({ resourceSpans: [{ instrumentationLibrarySpans: v }] }, "resourceSpans[].instrumentationLibrarySpans must be an array");
      badData({ resourceSpans: [{ scopeSpans: [{ spans: v }] }] }, "scopeSpans[].spans must be an array");
    }
    for (const v of [null, 5, []]) {
      badData({ resourceSpans: [v] }, "resourceSpans[] must hold objects");
      badData({ resourceSpans: [{ scopeSpans: [v] }] }, "scopeSpans[] must hold objects");
    }
  });

  it("decodeJson: an empty body is an empty request; text that is not JSON is bad data", () => {
    expect(decodeJson(Buffer.alloc(0), WANTED)).toEqual({ resources: [], rejected: 0, reasons: [] });
    expect(() => decodeJson(Buffer.from("{"), WANTED)).toThrow(BadData);
    expect(() => decodeJson(Buffer.from("{"), WANTED)).toThrow(/^the body is not valid JSON: .+/);
    expect(() => decodeJson(Buffer.from("[]"), WANTED)).toThrow("the body must be a JSON object");
    const body = Buffer.from(JSON.stringify(request([{ ...ids, attributes: [{ key: "k", value: { stringValue: "é" } }] }])));
    expect(Object.fromEntries(only(decodeJson(body, WANTED)).attrs)).toEqual({ k: "é" });
  });
});
