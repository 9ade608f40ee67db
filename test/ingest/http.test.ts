import { gzipSync } from "node:zlib";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Events } from "../../src/engine/events.ts";
import type { SpanInput } from "../../src/ingest/index.ts";
import { createMetrics } from "../../src/metrics.ts";
import { queryRows, type Database } from "../../src/store/db.ts";
import { serverUrl, testDatabase } from "../helpers/db.ts";
import { listenIngest } from "./listen.ts";
import { agentTurn, AT, chat, ingestConfig, otelSdk, span, type Protocol } from "./otel.ts";

const TOKEN = "ingest-token-for-tests";
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** The receiver's routes on a loopback HTTP server over a fresh schema. */
async function receiver(
  opts: {
    token?: string | undefined;
    config?: Parameters<typeof ingestConfig>[0];
    database?: Database;
    onInput?: (s: SpanInput) => void;
    events?: Events;
  } = {},
) {
  const database = opts.database ?? (await testDatabase());
  const { ingest, url, stop } = await listenIngest(database.db, {
    config: ingestConfig(opts.config),
    prices: { "house-model": { input_per_mtok: 1, output_per_mtok: 2 } },
    token: "token" in opts ? opts.token : TOKEN,
    ...(opts.onInput ? { onInput: opts.onInput } : {}),
    ...(opts.events ? { events: opts.events } : {}),
  });
  cleanup.push(async () => {
    await stop();
    if (!opts.database) await database.close();
  });
  return { database, ingest, url };
}

interface Row {
  agent: string;
  service: string;
  provider: string;
  model: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cost_usd: number;
  unpriced_calls: number;
  minute: string;
}

const rows = (db: Database["db"]) =>
  queryRows<Row>(
    db,
    sql`select to_char(minute at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI') as minute, agent, service, provider, model, calls::int as calls, input_tokens::int as input_tokens, output_tokens::int as output_tokens, cache_read_tokens::int as cache_read_tokens, cost_usd, unpriced_calls::int as unpriced_calls from spend_minutes order by agent, model`,
  );

const post = (url: string, body: string | Buffer, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/traces`, {
    method: "POST",
    body,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
  });

describe("OTLP/HTTP from the OpenTelemetry SDK exporters", () => {
  for (const [protocol, gzip] of [
    ["proto", false],
    ["proto", true],
    ["json", false],
    ["json", true],
  ] as [Protocol, boolean][]) {
    it(`${protocol}${gzip ? " gzip" : ""}: model calls under invoke_agent are counted once, for the agent`, async () => {
      const r = await receiver();
      const sdk = otelSdk({ url: `${r.url}/v1/traces`, token: TOKEN, protocol, gzip });
      agentTurn(sdk.tracer, "support-bot");
      agentTurn(sdk.tracer, "support-bot");
      await sdk.flush();
      await sdk.shutdown();
      await r.ingest.worker.flush();
      const got = await rows(r.database.db);
      // Two turns × two calls; the invoke_agent span's own usage (the sum) is not added again.
      expect(got).toEqual([
        {
          minute: "2026-11-02T10:15",
          agent: "support-bot",
          service: "checkout-svc",
          provider: "openai",
          model: "gpt-4o-2024-08-06",
          calls: 4,
          input_tokens: 2400,
          output_tokens: 240,
          cache_read_tokens: 0,
          cost_usd: expect.closeTo((2400 * 2.5 + 240 * 10) / 1e6, 12),
          unpriced_calls: 0,
        },
      ]);
    });
  }

  it("a call whose parent came in another request goes to its own agent name, else the service", async () => {
    const r = await receiver();
    const sdk = otelSdk({ url: `${r.url}/v1/traces`, token: TOKEN, protocol: "proto", service: "billing" });
    const root = span(sdk.tracer, "invoke_agent planner", { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner" });
    span(sdk.tracer, "chat", chat("house-model", 10, 1, { "gen_ai.agent.name": "self-named" }), root).end(AT);
    span(sdk.tracer, "chat", chat("house-model", 20, 2), root).end(AT);
    await sdk.flush(); // the children go now, the parent later: it is not in their request
    root.end(AT);
    await sdk.flush();
    await sdk.shutdown();
    await r.ingest.worker.flush();
    const got = await rows(r.database.db);
    expect(got.map((x) => [x.agent, x.calls, x.input_tokens])).toEqual([
      ["billing", 1, 20],
      ["self-named", 1, 10],
    ]);
  });

  it("cached input is priced at the cache price; an unpriced model is counted and flagged, not $0", async () => {
    const r = await receiver();
    const sdk = otelSdk({ url: `${r.url}/v1/traces`, token: TOKEN, protocol: "json" });
    const cached = {
      "gen_ai.usage.cache_read.input_tokens": 800,
      "gen_ai.usage.cache_creation.input_tokens": 100,
      "gen_ai.provider.name": "anthropic",
    };
    span(sdk.tracer, "chat", chat("claude-sonnet-4-20250514", 1000, 50, cached)).end(AT);
    span(sdk.tracer, "chat", chat("mystery-llm-7", 500, 5)).end(AT);
    span(sdk.tracer, "chat", chat("mystery-llm-7", 500, 5, { "llm.cost.total": 0.25 })).end(AT);
    await sdk.flush();
    await sdk.shutdown();
    await r.ingest.worker.flush();
    const got = await rows(r.database.db);
    const claude = got.find((x) => x.model.startsWith("claude"))!;
    // 100 uncached at $3, 800 read at $0.30, 100 written at $3.75, 50 out at $15 (per million).
    expect(claude.cost_usd).toBeCloseTo((100 * 3 + 800 * 0.3 + 100 * 3.75 + 50 * 15) / 1e6, 12);
    expect(claude.cache_read_tokens).toBe(800);
    const mystery = got.find((x) => x.model === "mystery-llm-7")!;
    expect([mystery.calls, mystery.input_tokens, mystery.unpriced_calls, mystery.cost_usd]).toEqual([2, 1000, 1, 0.25]);
  });
});

describe("input sampling hook and raw span sampling", () => {
  it("onInput sees input messages; sample_raw_spans keeps what was read (never the input) and deletes it past retention", async () => {
    const inputs: SpanInput[] = [];
    const r = await receiver({ config: { sample_raw_spans: 1, raw_span_retention: "1d" }, onInput: (s) => inputs.push(s) });
    await r.database.db.execute(
      sql`insert into ingest_raw_spans (received_at, at, trace_id, span_id, parent_span_id, service, kind, attributes) values (now() - interval '2 days', now(), 't', 's', '', 'svc', 'agent', '{}')`,
    );
    const sdk = otelSdk({ url: `${r.url}/v1/traces`, token: TOKEN, protocol: "proto" });
    const root = span(sdk.tracer, "invoke_agent bot", { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "bot" });
    span(
      sdk.tracer,
      "chat",
      chat("gpt-4o", 10, 1, { "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"refund?"}]}]' }),
      root,
    ).end(AT);
    span(sdk.tracer, "tool", { "gen_ai.operation.name": "execute_tool" }, root).end(AT);
    root.end(AT);
    await sdk.flush();
    await sdk.shutdown();
    await r.ingest.worker.flush();
    expect(inputs.map((i) => [i.agent, i.service, i.input.includes("refund?"), i.at.getTime()])).toEqual([
      ["bot", "checkout-svc", true, AT.getTime()],
    ]);
    const raw = await queryRows<{ kind: string; agent: string; model: string | null; attributes: Record<string, unknown> }>(
      r.database.db,
      sql`select kind, agent, model, attributes from ingest_raw_spans order by kind`,
    );
    expect(raw.map((x) => [x.kind, x.agent, x.model])).toEqual([
      ["agent", "bot", null],
      ["inference", "bot", "gpt-4o"],
    ]);
    expect(raw[1]!.attributes).toMatchObject({ "gen_ai.usage.input_tokens": 10 });
    expect(JSON.stringify(raw)).not.toContain("refund?");
  });

  it("sample_raw_spans 0 (the default) keeps nothing", async () => {
    const r = await receiver();
    const sdk = otelSdk({ url: `${r.url}/v1/traces`, token: TOKEN, protocol: "json" });
    span(sdk.tracer, "chat", chat("gpt-4o", 10, 1)).end(AT);
    await sdk.flush();
    await sdk.shutdown();
    await r.ingest.worker.flush();
    expect(await queryRows(r.database.db, sql`select * from ingest_raw_spans`)).toEqual([]);
    expect((await rows(r.database.db)).map((x) => x.calls)).toEqual([1]);
  });
});

describe("OTLP/HTTP answers", () => {
  const goodJson = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "svc" } }], droppedAttributesCount: 0, someFutureField: 1 },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "5B8EFFF798038103D269B633813FC60C",
                  spanId: "EEE19B7EC3C1B174",
                  endTimeUnixNano: "1793614530000000000",
                  attributes: [
                    { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
                    { key: "gen_ai.request.model", value: { stringValue: "house-model" } },
                    { key: "gen_ai.usage.input_tokens", value: { intValue: "1000" } },
                    { key: "gen_ai.usage.output_tokens", value: { intValue: 500 } },
                  ],
                  unknownSpanField: { nested: true },
                  ...extra,
                },
              ],
            },
          ],
        },
      ],
    });

  it("JSON: string and number int64, unknown fields ignored, snake_case accepted; 200 {}", async () => {
    const r = await receiver();
    const res = await post(r.url, goodJson());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({});
    const snake = goodJson()
      .replace(/resourceSpans/g, "resource_spans")
      .replace(/scopeSpans/g, "scope_spans")
      .replace(/traceId/g, "trace_id")
      .replace(/intValue/g, "int_value");
    expect((await post(r.url, snake)).status).toBe(200);
    await r.ingest.worker.flush();
    const got = await rows(r.database.db);
    expect(got.map((x) => [x.minute, x.agent, x.calls, x.input_tokens, x.output_tokens])).toEqual([
      ["2026-11-02T10:15", "svc", 2, 2000, 1000],
    ]);
    expect(got[0]!.cost_usd).toBeCloseTo((2 * (1000 * 1 + 500 * 2)) / 1e6, 12);
  });

  it("partialSuccess names the rejected spans; the good ones are kept", async () => {
    const r = await receiver();
    const body = JSON.parse(goodJson()) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    const spans = body.resourceSpans[0]!.scopeSpans[0]!.spans;
    spans.push({ ...spans[0], spanId: "not-hex" });
    spans.push({
      ...spans[0],
      spanId: "0000000000000002",
      attributes: [
        { key: "gen_ai.operation.name", value: { stringValue: "chat" } },
        { key: "gen_ai.usage.input_tokens", value: { intValue: "-5" } },
      ],
    });
    const res = await post(r.url, JSON.stringify(body));
    expect(res.status).toBe(200);
    const reply = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(reply.partialSuccess.rejectedSpans).toBe("2");
    expect(reply.partialSuccess.errorMessage).toMatch(/spanId/);
    expect(reply.partialSuccess.errorMessage).toMatch(/non-negative/);
    await r.ingest.worker.flush();
    expect((await rows(r.database.db)).map((x) => x.calls)).toEqual([1]);
  });

  it("400 for bodies that are not OTLP, in the request's encoding", async () => {
    const r = await receiver();
    for (const bad of ["{not json", "[1,2]", '{"resourceSpans": 5}', '{"resourceSpans": [{"scopeSpans": "x"}]}']) {
      const res = await post(r.url, bad);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/bad OTLP json body/);
    }
    // A protobuf body cut short mid-field.
    const res = await post(r.url, Buffer.from([0x0a, 0x10, 0x0a, 0x02]), { "content-type": "application/x-protobuf" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    const status = Buffer.from(await res.arrayBuffer());
    expect(status.toString("latin1")).toMatch(/bad OTLP protobuf body/);
    // Not gzip though it says so.
    expect((await post(r.url, "plain", { "content-encoding": "gzip" })).status).toBe(400);
    await r.ingest.worker.flush();
    expect(await rows(r.database.db)).toEqual([]);
  });

  it("415 for other content types and encodings; protobuf success is an empty body", async () => {
    const r = await receiver();
    expect((await post(r.url, goodJson(), { "content-type": "text/plain" })).status).toBe(415);
    expect((await post(r.url, goodJson(), { "content-encoding": "br" })).status).toBe(415);
    const res = await post(r.url, Buffer.alloc(0), { "content-type": "application/x-protobuf" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-protobuf");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("413 over the request limit and over the gunzipped limit (zip bomb)", async () => {
    const r = await receiver({ config: { max_request_bytes: 16 * 1024, max_decompressed_bytes: 64 * 1024 } });
    const big = goodJson({ pad: "x".repeat(20_000) });
    expect((await post(r.url, big)).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(16 * 1024);
    const res = await post(r.url, bomb, { "content-encoding": "gzip" });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(/gunzipped/);
    // Under both limits, gzip is read.
    expect((await post(r.url, gzipSync(goodJson()), { "content-encoding": "gzip" })).status).toBe(200);
  });

  it("401 without or with a wrong token; 404 when ingest is off; metrics and logs answer 200", async () => {
    const r = await receiver();
    expect((await post(r.url, goodJson(), { authorization: "" })).status).toBe(401);
    expect((await post(r.url, goodJson(), { authorization: "Bearer wrong" })).status).toBe(401);
    for (const signal of ["metrics", "logs"]) {
      const res = await fetch(`${r.url}/v1/${signal}`, {
        method: "POST",
        body: "{}",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    const off = await receiver({ token: undefined });
    expect((await post(off.url, goodJson())).status).toBe(404);
    await r.ingest.worker.flush();
    expect(await rows(r.database.db)).toEqual([]);
  });

  it("503 with Retry-After while the database fails, and what was accepted is written once it is back", async () => {
    const database = await testDatabase();
    const r = await receiver({ database });
    expect((await post(r.url, goodJson())).status).toBe(200);
    await database.db.execute(sql`alter table spend_minutes rename to spend_minutes_away`);
    expect(await r.ingest.worker.flush()).toBeGreaterThan(0);
    const refused = await post(r.url, goodJson());
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await database.db.execute(sql`alter table spend_minutes_away rename to spend_minutes`);
    expect(await r.ingest.worker.flush()).toBeUndefined();
    expect((await rows(database.db)).map((x) => x.calls)).toEqual([1]);
    expect((await post(r.url, goodJson())).status).toBe(200);
    await r.ingest.worker.stop();
    expect((await rows(database.db)).map((x) => x.calls)).toEqual([2]);
    // Stopped: new spans are refused (the exporter retries elsewhere), not held and lost.
    const late = await post(r.url, goodJson());
    expect([late.status, late.headers.get("retry-after")]).toEqual([503, "1"]);
    expect((await rows(database.db)).map((x) => x.calls)).toEqual([2]);
    await database.close();
  });

  it("counts every answer by status, the spans accepted and rejected, and the rows written or failed, in /metrics", async () => {
    const database = await testDatabase();
    const events = new Events();
    const r = await receiver({ database, events });
    const metrics = createMetrics(events, { activeRuns: () => 0, scheduledJobs: () => 0, ingestPending: () => r.ingest.worker.pending });
    cleanup.push(async () => metrics.stop());
    const value = async (line: string) => {
      const found = (await metrics.render()).split("\n").find((l) => l.startsWith(`${line} `));
      return found === undefined ? undefined : Number(found.slice(line.length + 1));
    };
    expect((await post(r.url, goodJson())).status).toBe(200);
    const partial = JSON.parse(goodJson()) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    partial.resourceSpans[0]!.scopeSpans[0]!.spans.push({ spanId: "not-hex" });
    expect((await post(r.url, JSON.stringify(partial))).status).toBe(200);
    expect((await post(r.url, "{not json")).status).toBe(400);
    expect((await post(r.url, goodJson(), { authorization: "Bearer wrong" })).status).toBe(401);
    expect(await value("goldwatch_ingest_pending_rows")).toBe(1);
    await database.db.execute(sql`alter table spend_minutes rename to spend_minutes_away`);
    await r.ingest.worker.flush();
    expect((await post(r.url, goodJson())).status).toBe(503);
    await database.db.execute(sql`alter table spend_minutes_away rename to spend_minutes`);
    await r.ingest.worker.flush();

    expect(await value('goldwatch_ingest_requests_total{status="200"}')).toBe(2);
    expect(await value('goldwatch_ingest_requests_total{status="400"}')).toBe(1);
    expect(await value('goldwatch_ingest_requests_total{status="401"}')).toBe(1);
    expect(await value('goldwatch_ingest_requests_total{status="503"}')).toBe(1);
    expect(await value('goldwatch_ingest_spans_total{outcome="accepted"}')).toBe(2);
    expect(await value('goldwatch_ingest_spans_total{outcome="rejected"}')).toBe(1);
    expect(await value('goldwatch_ingest_rows_written_total{outcome="failed"}')).toBe(1);
    expect(await value('goldwatch_ingest_rows_written_total{outcome="ok"}')).toBe(1);
    expect(await value("goldwatch_ingest_pending_rows")).toBe(0);
    // Ingest off: no backlog gauge.
    const off = createMetrics(new Events(), { activeRuns: () => 0, scheduledJobs: () => 0 });
    expect(await off.render()).not.toMatch(/^goldwatch_ingest_pending_rows /m);
    off.stop();
    await database.close();
  });

  // A flush held by a lock on the table: the buffer fills, and requests are refused, not held.
  it.skipIf(!serverUrl)("503 when the buffer is full while a flush is stuck; accepted spans are written once it goes through", async () => {
    const database = await testDatabase();
    const r = await receiver({ database, config: { max_pending_rows: 2 } });
    const twoModels = () => {
      const body = JSON.parse(goodJson()) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
      const spans = body.resourceSpans[0]!.scopeSpans[0]!.spans;
      const attrs = (spans[0]!.attributes as { key: string; value: unknown }[]).map((a) =>
        a.key === "gen_ai.request.model" ? { key: a.key, value: { stringValue: "other-model" } } : a,
      );
      spans.push({ ...spans[0], spanId: "0000000000000002", attributes: attrs });
      return JSON.stringify(body);
    };
    const locker = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    const held = await locker.reserve();
    try {
      await held`begin`;
      await held.unsafe(`lock table "${database.schema}".spend_minutes in access exclusive mode`);
      expect((await post(r.url, twoModels())).status).toBe(200);
      // Half full: the flush starts at once, takes the rows and waits on the lock.
      await vi.waitFor(() => expect(r.ingest.worker.pending).toBe(0));
      expect((await post(r.url, twoModels())).status).toBe(200);
      const full = await post(r.url, twoModels());
      expect(full.status).toBe(503);
      expect(full.headers.get("retry-after")).toBe("5");
    } finally {
      await held`commit`;
      held.release();
      await locker.end();
    }
    await vi.waitFor(async () => expect((await rows(database.db)).map((x) => x.calls)).toEqual([2, 2]), { timeout: 10_000 });
    expect((await post(r.url, twoModels())).status).toBe(200);
    await r.ingest.worker.stop();
    expect((await rows(database.db)).map((x) => x.calls)).toEqual([3, 3]);
    await database.close();
  });
});
