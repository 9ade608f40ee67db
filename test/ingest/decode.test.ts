import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { describe, expect, it } from "vitest";
import { decodeJson, decodeJsonValue, jsonId, jsonNanosToMs } from "../../src/ingest/decode-json.ts";
import { decodeProtobuf } from "../../src/ingest/decode-protobuf.ts";
import { formatOf, statusBody, successBody } from "../../src/ingest/reply.ts";
import { BadData, type DecodedRequest } from "../../src/ingest/span.ts";
import { INPUT_KEYS, USAGE_KEYS } from "../../src/ingest/usage.ts";
import { agentTurn, AT, chat, memorySdk, span } from "./otel.ts";

const WANTED = new Set([...USAGE_KEYS, ...INPUT_KEYS]);

/** The decoded request in a plain form (Maps as objects) for comparing. */
const plain = (d: DecodedRequest) => ({
  ...d,
  resources: d.resources.map((r) => ({ ...r, spans: r.spans.map((s) => ({ ...s, attrs: Object.fromEntries(s.attrs) })) })),
});

function recorded() {
  const sdk = memorySdk("svc-a");
  agentTurn(sdk.tracer, "bot");
  const s = span(
    sdk.tracer,
    "chat",
    chat("m", 7, 3, { "gen_ai.input.messages": '[{"role":"user"}]', "not.wanted": "x", "llm.cost.total": 0.5, flag: true }),
  );
  s.end(AT);
  return sdk.spans();
}

describe("the protobuf and JSON decoders", () => {
  it("read the SDK's own protobuf and JSON encodings of the same spans alike", () => {
    const spans = recorded();
    const fromProto = decodeProtobuf(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), WANTED);
    const fromJson = decodeJson(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!), WANTED);
    expect(plain(fromProto)).toEqual(plain(fromJson));
    expect(fromProto.rejected).toBe(0);
    const all = fromProto.resources.flatMap((r) => r.spans);
    expect(fromProto.resources.map((r) => r.service)).toEqual(["svc-a"]);
    expect(all).toHaveLength(5);
    const last = all.at(-1)!;
    expect(last.traceId).toBe(spans.at(-1)!.spanContext().traceId);
    expect(last.spanId).toBe(spans.at(-1)!.spanContext().spanId);
    expect(last.atMs).toBe(AT.getTime());
    expect(Object.fromEntries(last.attrs)).toEqual({
      ...chat("m", 7, 3),
      "gen_ai.input.messages": '[{"role":"user"}]',
      "llm.cost.total": 0.5,
    });
    // Children name their parent; the root has none.
    const root = all.find((s) => s.attrs.get("gen_ai.operation.name") === "invoke_agent")!;
    expect(root.parentSpanId).toBe("");
    expect(all.filter((s) => s.parentSpanId === root.spanId)).toHaveLength(2);
  });

  it("protobuf: a truncated body or a bad wire type is bad data, an unknown field is skipped", () => {
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(recorded())!);
    expect(() => decodeProtobuf(body.subarray(0, body.length - 3), WANTED)).toThrow(BadData);
    expect(() => decodeProtobuf(Buffer.from([0x0b]), WANTED)).toThrow(/wire type/);
    expect(() => decodeProtobuf(Buffer.from([0x0a, 0x05, 0x01]), WANTED)).toThrow(BadData);
    // Field 99 (varint) before the request's own fields: ignored.
    const withUnknown = Buffer.concat([Buffer.from([0x98, 0x06, 0x2a]), body]);
    expect(plain(decodeProtobuf(withUnknown, WANTED))).toEqual(plain(decodeProtobuf(body, WANTED)));
    expect(decodeProtobuf(Buffer.alloc(0), WANTED)).toEqual({ resources: [], rejected: 0, reasons: [] });
  });

  it("protobuf: a span with ids of the wrong size is rejected, not the request", () => {
    // resource_spans { scope_spans { span { trace_id: 3 bytes, span_id: 8 bytes } } }
    const spanMsg = Buffer.from([0x0a, 0x03, 1, 2, 3, 0x12, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]);
    const scope = Buffer.concat([Buffer.from([0x12, spanMsg.length]), spanMsg]);
    const rs = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
    const out = decodeProtobuf(Buffer.concat([Buffer.from([0x0a, rs.length]), rs]), WANTED);
    expect(out.rejected).toBe(1);
    expect(out.reasons[0]).toMatch(/trace_id/);
  });

  it("JSON: ids in hex of any case or base64; times as strings or numbers", () => {
    expect(jsonId("5B8EFFF798038103D269B633813FC60C", 16)).toBe("5b8efff798038103d269b633813fc60c");
    expect(jsonId(Buffer.from("5b8efff798038103d269b633813fc60c", "hex").toString("base64"), 16)).toBe("5b8efff798038103d269b633813fc60c");
    expect(jsonId("eee19b7ec3c1b174", 8)).toBe("eee19b7ec3c1b174");
    for (const bad of ["eee19b7ec3c1b17", "zzz19b7ec3c1b174", 12, {}]) expect(jsonId(bad, 8)).toBe("!");
    expect(jsonId(undefined, 8)).toBe("");
    expect(jsonNanosToMs("1793614530123456789")).toBe(1793614530123);
    expect(jsonNanosToMs(1793614530123456789)).toBe(Math.floor(1793614530123456789 / 1e6));
    expect(jsonNanosToMs("-5")).toBeNaN();
    expect(jsonNanosToMs(undefined)).toBe(0);
  });

  it("JSON: the request's shape is checked; attribute values of every kind are read", () => {
    expect(() => decodeJsonValue([], WANTED)).toThrow(BadData);
    expect(() => decodeJsonValue({ resourceSpans: {} }, WANTED)).toThrow(/resourceSpans/);
    expect(decodeJsonValue({}, WANTED).resources).toEqual([]);
    const out = decodeJsonValue(
      {
        resource_spans: [
          {
            scope_spans: [
              {
                spans: [
                  {
                    trace_id: "5b8efff798038103d269b633813fc60c",
                    span_id: "eee19b7ec3c1b174",
                    start_time_unix_nano: 1793614530000000000,
                    attributes: [
                      { key: "gen_ai.usage.input_tokens", value: { int_value: "12" } },
                      { key: "llm.cost.total", value: { doubleValue: 0.5 } },
                      {
                        key: "gen_ai.input.messages",
                        value: { arrayValue: { values: [{ kvlistValue: { values: [{ key: "role", value: { stringValue: "user" } }] } }] } },
                      },
                      { key: "gen_ai.usage.output_tokens", value: {} },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
      WANTED,
    );
    const s = out.resources[0]!.spans[0]!;
    expect(s.atMs).toBe(1793614530000);
    expect(Object.fromEntries(s.attrs)).toEqual({
      "gen_ai.usage.input_tokens": 12,
      "llm.cost.total": 0.5,
      "gen_ai.input.messages": '[{"role":"user"}]',
    });
  });
});

describe("replies", () => {
  it("the SDK's own response decoders read our protobuf and JSON replies", () => {
    expect(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(successBody("protobuf", 0, "")))).toEqual({});
    expect(successBody("protobuf", 0, "").length).toBe(0);
    expect(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(successBody("protobuf", 300, "bad ids")))).toEqual({
      partialSuccess: { rejectedSpans: 300, errorMessage: "bad ids" },
    });
    expect(JsonTraceSerializer.deserializeResponse(new Uint8Array(successBody("json", 2, "x")))).toEqual({
      partialSuccess: { rejectedSpans: "2", errorMessage: "x" },
    });
    expect(JSON.parse(successBody("json", 0, "").toString())).toEqual({});
    // Varints past one byte, and messages past ASCII.
    expect(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(successBody("protobuf", 128, "déjà vu")))).toEqual({
      partialSuccess: { rejectedSpans: 128, errorMessage: "déjà vu" },
    });
    expect(statusBody("protobuf", 400, "é").subarray(4).toString("utf8")).toBe("é");
  });

  it("a Status carries a gRPC code and the message; content types are matched without parameters", () => {
    expect(JSON.parse(statusBody("json", 400, "nope").toString())).toEqual({ code: 3, message: "nope" });
    // field 1 varint 14 (UNAVAILABLE), field 2 "busy"
    expect([...statusBody("protobuf", 503, "busy")]).toEqual([0x08, 14, 0x12, 4, ...Buffer.from("busy")]);
    expect(formatOf("application/json; charset=utf-8")).toBe("json");
    expect(formatOf("Application/X-Protobuf")).toBe("protobuf");
    expect(formatOf("application/protobuf")).toBe("protobuf");
    expect(formatOf("application/json ; charset=utf-8")).toBe("json");
    expect(formatOf("text/json")).toBeUndefined();
    expect(formatOf(undefined)).toBeUndefined();
  });
});
