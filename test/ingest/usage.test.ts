import { describe, expect, it } from "vitest";
import { callCost, priceTable } from "../../src/ingest/price.ts";
import type { AttrValue, DecodedRequest, DecodedSpan } from "../../src/ingest/span.ts";
import { DEFAULT_PRICES } from "../../src/pricing.ts";
import { count, spanKind, spanRole, type SpanUsage } from "../../src/ingest/usage.ts";
import { sampledTrace, walkSpans, type RawSpan, type SpanInput } from "../../src/ingest/walk.ts";

const AT = Date.UTC(2026, 10, 2, 10, 15, 30);
const attrs = (o: Record<string, AttrValue>) => new Map(Object.entries(o));
const usage = (over: Partial<SpanUsage> = {}): SpanUsage => ({
  provider: "",
  model: "gpt-4o",
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheCreationTokens: 0,
  cost: undefined,
  ownAgent: undefined,
  ...over,
});

describe("spanRole", () => {
  it("counts tokens only on model calls (GenAI operations and OpenInference LLM)", () => {
    for (const op of ["chat", "text_completion", "generate_content", "embeddings"])
      expect(spanRole(attrs({ "gen_ai.operation.name": op, "gen_ai.usage.input_tokens": 5 })).kind).toBe("inference");
    expect(spanRole(attrs({ "openinference.span.kind": "LLM", "llm.token_count.prompt": 5 })).kind).toBe("inference");
    expect(spanRole(attrs({ "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "a", "gen_ai.usage.input_tokens": 5 }))).toEqual({
      kind: "agent",
      name: "a",
    });
    expect(spanRole(attrs({ "openinference.span.kind": "AGENT", "agent.name": "b" }))).toEqual({ kind: "agent", name: "b" });
    expect(spanRole(attrs({ "gen_ai.operation.name": "execute_tool", "gen_ai.usage.input_tokens": 5 })).kind).toBe("other");
    expect(spanRole(attrs({ "gen_ai.usage.input_tokens": 5 })).kind).toBe("other");
  });

  it("reads GenAI semconv usage, the older names, and OpenInference", () => {
    const semconv = spanRole(
      attrs({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.system": "old",
        "gen_ai.request.model": "req",
        "gen_ai.response.model": "resp",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": "50",
        "gen_ai.usage.cache_read.input_tokens": 600,
        "gen_ai.usage.cache_creation.input_tokens": 100,
        "gen_ai.agent.name": "own",
      }),
    );
    expect(semconv).toEqual({
      kind: "inference",
      usage: usage({
        provider: "anthropic",
        model: "resp",
        inputTokens: 1000,
        outputTokens: 50,
        cacheReadTokens: 600,
        cacheCreationTokens: 100,
        ownAgent: "own",
      }),
    });
    const older = spanRole(
      attrs({
        "gen_ai.operation.name": "chat",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "req",
        "gen_ai.usage.prompt_tokens": 3,
        "gen_ai.usage.completion_tokens": 4,
      }),
    );
    expect(older).toEqual({ kind: "inference", usage: usage({ provider: "openai", model: "req", inputTokens: 3, outputTokens: 4 }) });
    const oi = spanRole(
      attrs({
        "openinference.span.kind": "llm",
        "llm.model_name": "claude-3-haiku",
        "llm.provider": "anthropic",
        "llm.token_count.prompt": 90,
        "llm.token_count.completion": 9,
        "llm.token_count.total": 99,
        "llm.token_count.prompt_details.cache_read": 40,
        "llm.token_count.prompt_details.cache_write": 10,
        "llm.cost.total": 0.01,
      }),
    );
    expect(oi).toEqual({
      kind: "inference",
      usage: usage({
        provider: "anthropic",
        model: "claude-3-haiku",
        inputTokens: 90,
        outputTokens: 9,
        cacheReadTokens: 40,
        cacheCreationTokens: 10,
        cost: 0.01,
      }),
    });
  });

  it("a total alone is input; cached tokens reported apart from input are added to it", () => {
    expect(spanRole(attrs({ "openinference.span.kind": "LLM", "llm.token_count.total": 77 }))).toMatchObject({
      usage: { inputTokens: 77, outputTokens: 0 },
    });
    const apart = spanRole(
      attrs({ "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.cache_read.input_tokens": 500 }),
    );
    expect(apart).toMatchObject({ usage: { inputTokens: 510, cacheReadTokens: 500 } });
  });

  it("a model call with a negative or non-numeric count is invalid", () => {
    for (const bad of [-1, "abc", Number.NaN, true]) {
      const r = spanRole(attrs({ "gen_ai.operation.name": "chat", "gen_ai.usage.output_tokens": bad }));
      expect(r.kind, String(bad)).toBe("invalid");
    }
    expect(spanRole(attrs({ "gen_ai.operation.name": "chat", "llm.cost.total": -0.5 })).kind).toBe("invalid");
    expect(count("12")).toBe(12);
    expect(count(undefined)).toBeUndefined();
  });
});

describe("edges of reading usage", () => {
  it("counts: zero is a count; blank, infinite and negative are not", () => {
    expect(count(0)).toBe(0);
    expect(count("7")).toBe(7);
    expect(count(2.6)).toBe(3);
    for (const bad of [" ", "", Number.POSITIVE_INFINITY, -0.6, "-1"]) expect(count(bad), JSON.stringify(bad)).toBeNaN();
  });

  it("kinds: only the names listed; an empty or non-text name falls through to the next attribute", () => {
    expect(spanKind(attrs({ "gen_ai.operation.name": "chat" }))).toBe("inference");
    expect(spanKind(attrs({ "openinference.span.kind": "CHAIN" }))).toBe("other");
    expect(spanKind(attrs({ "openinference.span.kind": "agent" }))).toBe("agent");
    expect(spanKind(attrs({ "gen_ai.operation.name": "create_agent" }))).toBe("other");
    const r = spanRole(
      attrs({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "",
        "gen_ai.system": "openai",
        "gen_ai.response.model": "",
        "gen_ai.request.model": "gpt-4o",
      }),
    );
    expect(r).toMatchObject({ usage: { provider: "openai", model: "gpt-4o" } });
    expect(spanRole(attrs({ "gen_ai.operation.name": "chat", "gen_ai.response.model": 5, "llm.model_name": "m" }))).toMatchObject({
      usage: { model: "m" },
    });
  });

  it("a total stands in for input only when neither input nor output is given; cost may be text", () => {
    const role = (o: Record<string, AttrValue>) => spanRole(attrs({ "gen_ai.operation.name": "chat", ...o }));
    expect(role({ "gen_ai.usage.output_tokens": 5, "llm.token_count.total": 100 })).toMatchObject({
      usage: { inputTokens: 0, outputTokens: 5 },
    });
    expect(role({ "gen_ai.usage.input_tokens": 10, "llm.token_count.total": 100 })).toMatchObject({
      usage: { inputTokens: 10, outputTokens: 0 },
    });
    expect(role({ "llm.cost.total": "0.5" })).toMatchObject({ usage: { cost: 0.5 } });
    expect(role({ "llm.cost.total": 0.25 })).toMatchObject({ usage: { cost: 0.25 } });
    expect(role({ "gen_ai.usage.input_tokens": "x" })).toEqual({
      kind: "invalid",
      reason: "model-call span whose input count is not a non-negative number",
    });
  });

  it("cached tokens are taken as part of input unless they exceed it", () => {
    const role = (input: number, read: number, write: number) =>
      spanRole(
        attrs({
          "gen_ai.operation.name": "chat",
          "gen_ai.usage.input_tokens": input,
          "gen_ai.usage.cache_read.input_tokens": read,
          "gen_ai.usage.cache_creation.input_tokens": write,
        }),
      );
    expect(role(8, 5, 3)).toMatchObject({ usage: { inputTokens: 8 } });
    expect(role(4, 5, 3)).toMatchObject({ usage: { inputTokens: 12 } });
  });

  it("the price table is the built-in one unless overridden", () => {
    expect(priceTable({})).toBe(DEFAULT_PRICES);
    const t = priceTable({ mine: { input_per_mtok: 1, output_per_mtok: 1 } });
    expect([t.mine, t["gpt-4o"]]).toEqual([{ input_per_mtok: 1, output_per_mtok: 1 }, DEFAULT_PRICES["gpt-4o"]]);
  });
});

describe("callCost", () => {
  const table = priceTable({ "house-model": { input_per_mtok: 1, output_per_mtok: 2, cache_read_per_mtok: 0.1 } });

  it("charges uncached input, cache reads, cache writes and output each at its price", () => {
    const u = usage({
      model: "claude-sonnet-4-20250514",
      inputTokens: 1_000_000,
      cacheReadTokens: 500_000,
      cacheCreationTokens: 100_000,
      outputTokens: 10_000,
    });
    expect(callCost(u, table)).toBeCloseTo(0.4 * 3 + 0.5 * 0.3 + 0.1 * 3.75 + 0.01 * 15, 12);
    // No cache write price: charged as input, never less.
    expect(
      callCost(usage({ model: "house-model", inputTokens: 300, cacheReadTokens: 100, cacheCreationTokens: 100, outputTokens: 10 }), table),
    ).toBeCloseTo((100 * 1 + 100 * 0.1 + 100 * 1 + 10 * 2) / 1e6, 15);
  });

  it("the span's own cost wins; an unknown or missing model is unpriced", () => {
    expect(callCost(usage({ model: "nobody-knows", cost: 0.3 }), table)).toBe(0.3);
    expect(callCost(usage({ model: "nobody-knows", inputTokens: 5 }), table)).toBeUndefined();
    expect(callCost(usage({ model: "", inputTokens: 5 }), table)).toBeUndefined();
    expect(callCost(usage({ model: "openai/gpt-4o-2024-08-06", inputTokens: 1_000_000 }), table)).toBeCloseTo(2.5, 12);
  });
});

describe("walkSpans", () => {
  let next = 1;
  const id = () => (next++).toString(16).padStart(16, "0");
  const TRACE = "5b8efff798038103d269b633813fc60c";
  const mk = (a: Record<string, AttrValue>, parent = "", over: Partial<DecodedSpan> = {}): DecodedSpan => ({
    traceId: TRACE,
    spanId: id(),
    parentSpanId: parent,
    atMs: AT,
    attrs: attrs(a),
    ...over,
  });
  const call = (model: string, input: number, extra: Record<string, AttrValue> = {}) => ({
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": model,
    "gen_ai.usage.input_tokens": input,
    ...extra,
  });
  const agent = (name: string) => ({
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.name": name,
    "gen_ai.usage.input_tokens": 999,
  });
  const req = (service: string, spans: DecodedSpan[]): DecodedRequest => ({ resources: [{ service, spans }], rejected: 0, reasons: [] });
  const walk = (r: DecodedRequest, onInput?: (s: SpanInput) => void) => walkSpans(r, { prices: priceTable({}), nowMs: AT, onInput });

  it("attributes a call to its nearest invoke_agent ancestor, through other spans", () => {
    const outer = mk(agent("outer"));
    const inner = mk(agent("inner"), outer.spanId);
    const tool = mk({ "gen_ai.operation.name": "execute_tool" }, inner.spanId);
    const spans = [mk(call("gpt-4o", 10), tool.spanId), mk(call("gpt-4o", 20), outer.spanId), tool, inner, outer];
    const out = walk(req("svc", spans));
    expect(out.records.map((r) => [r.agent, r.inputTokens])).toEqual([
      ["inner", 10],
      ["outer", 20],
    ]);
    expect(out.records[0]).toMatchObject({ minuteMs: Date.UTC(2026, 10, 2, 10, 15), service: "svc", model: "gpt-4o", unpriced: false });
  });

  it("without an agent ancestor in the body: the call's own agent name, else the service", () => {
    const spans = [
      mk(call("gpt-4o", 1), "00000000000000ff"),
      mk(call("gpt-4o", 2, { "gen_ai.agent.name": "named" }), "00000000000000ff"),
      mk(call("gpt-4o", 3)),
    ];
    expect(walk(req("svc", spans)).records.map((r) => r.agent)).toEqual(["svc", "named", "svc"]);
    // A parent from another trace is not an ancestor; a cycle ends.
    const other = mk(agent("elsewhere"), "", { traceId: "0".repeat(31) + "1" });
    const a = mk(call("gpt-4o", 1), other.spanId);
    const cycA = mk({}, "");
    const cycB = mk({}, cycA.spanId);
    cycA.parentSpanId = cycB.spanId;
    expect(walk(req("svc", [other, a, mk(call("gpt-4o", 1), cycA.spanId), cycA, cycB])).records.map((r) => r.agent)).toEqual([
      "svc",
      "svc",
    ]);
  });

  it("rejects model calls dated before 2000 or over a day ahead, and invalid counts; unpriced calls are flagged", () => {
    const out = walk(
      req("svc", [
        mk(call("gpt-4o", 1), "", { atMs: 0 }),
        mk(call("gpt-4o", 1), "", { atMs: AT + 2 * 86_400_000 }),
        mk(call("gpt-4o", -1)),
        mk(call("unknown-model", 5)),
      ]),
    );
    expect(out.rejected).toBe(3);
    expect(out.reasons).toHaveLength(2);
    expect(out.records).toHaveLength(1);
    expect(out.records[0]).toMatchObject({ model: "unknown-model", cost: 0, unpriced: true });
  });

  it("hands input messages of model calls and agent spans to onInput", () => {
    const seen: SpanInput[] = [];
    const root = mk({ ...agent("bot"), "gen_ai.input.messages": "hello" });
    walk(
      req("svc", [
        root,
        mk(call("gpt-4o", 1, { "gen_ai.prompt": "older" }), root.spanId),
        mk(call("gpt-4o", 1, { "input.value": "oi" })),
        mk({ "input.value": "tool" }),
      ]),
      (s) => seen.push(s),
    );
    expect(seen.map((s) => [s.agent, s.input])).toEqual([
      ["bot", "hello"],
      ["bot", "older"],
      ["svc", "oi"],
    ]);
    expect(seen[0]).toMatchObject({ traceId: TRACE, service: "svc", at: new Date(AT) });
  });

  it("samples whole traces by id; rejected spans say why; input messages are not kept", () => {
    expect(sampledTrace("0".repeat(24) + "00000000", 0.01)).toBe(true);
    expect(sampledTrace("0".repeat(24) + "ffffffff", 0.99)).toBe(false);
    expect(sampledTrace("0".repeat(24) + "80000000", 0.5)).toBe(false);
    expect(sampledTrace("0".repeat(24) + "7fffffff", 0.5)).toBe(true);
    expect(sampledTrace("0".repeat(32), 0)).toBe(false);
    expect(sampledTrace("f".repeat(32), 1)).toBe(true);
    const seen: RawSpan[] = [];
    const root = mk({ ...agent("bot"), "gen_ai.input.messages": "secret prompt" });
    const spans = [
      root,
      mk(call("gpt-4o", 1_000_000), root.spanId),
      mk(call("gpt-4o", -1)),
      mk({ "gen_ai.operation.name": "execute_tool" }),
    ];
    walkSpans(req("svc", spans), { prices: priceTable({}), nowMs: AT, sampleRate: 1, onSample: (s) => seen.push(s) });
    expect(seen.map((s) => [s.kind, s.agent, s.model, s.cost, s.unpriced, s.reason])).toEqual([
      ["agent", "bot", null, null, null, null],
      ["inference", "bot", "gpt-4o", 2.5, false, null],
      ["rejected", null, null, null, null, "model-call span whose input count is not a non-negative number"],
    ]);
    expect(JSON.stringify(seen)).not.toContain("secret prompt");
    seen.length = 0;
    walkSpans(req("svc", spans), { prices: priceTable({}), nowMs: AT, sampleRate: 0, onSample: (s) => seen.push(s) });
    expect(seen).toEqual([]);
  });

  it("keeps the decoder's rejections, at most three reasons, and the time bounds inclusive", () => {
    const r = req("svc", [
      mk(call("gpt-4o", 1), "", { atMs: Date.UTC(2000, 0, 1) }),
      mk(call("gpt-4o", 1), "", { atMs: AT + 86_400_000 }),
      mk(call("gpt-4o", 1), "", { atMs: Date.UTC(2000, 0, 1) - 1 }),
      mk(call("gpt-4o", -1)),
      mk({ "gen_ai.operation.name": "chat", "gen_ai.usage.output_tokens": -1 }),
    ]);
    const out = walk({ ...r, rejected: 2, reasons: ["from the decoder"] });
    expect(out.records).toHaveLength(2);
    expect(out.rejected).toBe(5);
    expect(out.reasons).toEqual([
      "from the decoder",
      "GenAI span time missing or out of range (before 2000 or over a day ahead)",
      "model-call span whose input count is not a non-negative number",
    ]);
  });

  it("looks 64 parents up for an agent, no further", () => {
    const chain = (depth: number) => {
      const root = mk(agent("deep"));
      const spans = [root];
      for (let i = 1; i < depth; i++) spans.push(mk({}, spans[i - 1]!.spanId));
      spans.push(mk(call("gpt-4o", 1), spans.at(-1)!.spanId));
      return walk(req("svc", spans)).records[0]!.agent;
    };
    expect(chain(64)).toBe("deep");
    expect(chain(65)).toBe("svc");
  });

  it("samples by the id's last 32 bits", () => {
    expect(sampledTrace("f".repeat(24) + "00000000", 0.5)).toBe(true);
    expect(sampledTrace("0".repeat(8) + "f".repeat(16) + "00000001", 0.5)).toBe(true);
    expect(sampledTrace("0".repeat(24) + "00000000", -1)).toBe(false);
  });
});
