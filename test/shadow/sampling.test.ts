import { writeFile } from "node:fs/promises";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema, type SamplingConfig } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/log.ts";
import { startHttpServer, type HttpServer } from "../../src/server/http.ts";
import { importJsonl, SampleImportError } from "../../src/shadow/jsonl.ts";
import { otlpInputRecorder, recordSample, type SampleDeps } from "../../src/shadow/record.ts";
import { sampleRoutes } from "../../src/shadow/routes.ts";
import { inputHash, inputText, keepTrace, prepareSample } from "../../src/shadow/sampling.ts";
import { recentSamples } from "../../src/shadow/store.ts";
import { queryRows, type Database } from "../../src/store/db.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { tempDir } from "../helpers/temp.ts";

const sampling = (over: Record<string, unknown> = {}): SamplingConfig =>
  configSchema.parse({ agents: {}, shadow: { sampling: over } }).shadow.sampling;

describe("sampling rules (pure)", () => {
  it("keeps a trace by the hash of its id: the same answer every time, nested in the rate", () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `trace-${i}`);
    const kept = ids.filter((id) => keepTrace(id, 0.25));
    expect(kept.length / ids.length).toBeGreaterThan(0.22);
    expect(kept.length / ids.length).toBeLessThan(0.28);
    expect(ids.filter((id) => keepTrace(id, 0.25))).toEqual(kept);
    // Kept at 25% means kept at 50%.
    expect(kept.every((id) => keepTrace(id, 0.5))).toBe(true);
    expect(ids.every((id) => keepTrace(id, 1))).toBe(true);
    expect(ids.some((id) => keepTrace(id, 0))).toBe(false);
  });

  it("filters by agent, refuses empty and over-long inputs, redacts PII before hashing", () => {
    const s = sampling({ agents: ["bot"], max_input_chars: 60 });
    expect(prepareSample({ agent: "other", source: "api", input: "hi" }, s)).toEqual({ ok: false, reason: "agent" });
    expect(prepareSample({ agent: "bot", source: "api", input: "   " }, s)).toEqual({ ok: false, reason: "empty" });
    expect(prepareSample({ agent: "bot", source: "api", input: "x".repeat(61) }, s)).toEqual({ ok: false, reason: "too_long" });
    const p = prepareSample({ agent: "bot", source: "api", input: "  mail me at jane.doe@example.com  " }, s);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.input).not.toContain("jane.doe@example.com");
    expect(p.input).toMatch(/^mail me at /);
    expect(p.inputHash).toBe(inputHash(p.input));
    const raw = prepareSample({ agent: "bot", source: "api", input: "mail me at jane.doe@example.com" }, { ...s, redact_pii: false });
    expect(raw.ok && raw.input).toBe("mail me at jane.doe@example.com");
  });

  it("samples by trace id only when there is one", () => {
    const s = sampling({ rate: 0 });
    expect(prepareSample({ agent: "a", source: "otlp", traceId: "t1", input: "hi" }, s)).toEqual({ ok: false, reason: "sampled_out" });
    expect(prepareSample({ agent: "a", source: "jsonl", input: "hi" }, s).ok).toBe(true);
  });

  it("reads the user's text from GenAI input messages", () => {
    expect(inputText("plain")).toBe("plain");
    expect(
      inputText([
        { role: "system", content: "be nice" },
        { role: "user", content: "first" },
        { role: "assistant", content: "ok" },
        { role: "user", content: [{ type: "text", text: "second" }, { type: "image_url" }, { type: "text", content: "part" }] },
      ]),
    ).toBe("second\npart");
    expect(inputText([{ role: "user", parts: [{ type: "text", content: "otel parts" }] }])).toBe("otel parts");
    expect(inputText([{ role: "system", content: "x" }])).toBeUndefined();
    expect(inputText({ content: "x" })).toBeUndefined();
  });
});

describe("recording samples (PGlite)", () => {
  let database: Database;
  let deps: SampleDeps;
  const clock = new ManualClock("2026-03-01T00:00:00Z");
  let http: HttpServer;
  beforeAll(async () => {
    database = await testDatabase();
    deps = { db: database.db, clock, sampling: () => sampling({ agents: ["bot", "api-bot"] }), log: silentLogger() };
    http = await startHttpServer({ port: 0, host: "127.0.0.1", routes: sampleRoutes(deps, { apiToken: "tok-123" }), log: silentLogger() });
  });
  afterAll(async () => {
    await http?.stop();
    await database?.close();
  });

  it("de-duplicates by agent and input; the newest come first", async () => {
    expect((await recordSample(deps, { agent: "bot", source: "api", input: "how do refunds work?" })).kept).toBe(true);
    await clock.advance(1000);
    expect(await recordSample(deps, { agent: "bot", source: "api", input: "how do refunds work?" })).toEqual({
      kept: false,
      reason: "duplicate",
    });
    expect((await recordSample(deps, { agent: "bot", source: "api", input: "what is the warranty?" })).kept).toBe(true);
    const recent = await recentSamples(database.db, "bot", 10);
    expect(recent.map((r) => r.input)).toEqual(["what is the warranty?", "how do refunds work?"]);
    expect((await recentSamples(database.db, "bot", 1)).map((r) => r.input)).toEqual(["what is the warranty?"]);
  });

  it("the OTLP hook: records the last user message, sampled, filtered and redacted; never throws", async () => {
    const onInput = otlpInputRecorder(deps);
    const at = new Date("2026-03-02T00:00:00Z");
    const kept = await onInput({
      traceId: "abc",
      agent: "bot",
      service: "svc",
      input: [{ role: "user", content: "call me on jane@example.org" }],
      at,
    });
    expect(kept.kept).toBe(true);
    expect(await onInput({ traceId: "abc", agent: "stranger", input: "hi", at })).toEqual({ kept: false, reason: "agent" });
    expect(await onInput({ traceId: "abd", agent: "bot", input: [{ role: "system", content: "x" }], at })).toEqual({
      kept: false,
      reason: "empty",
    });
    const [row] = await queryRows<{ source: string; trace_id: string; input: string; created_at: Date }>(
      database.db,
      sql`select source, trace_id, input, created_at from samples where trace_id = 'abc'`,
    );
    expect(row!.source).toBe("otlp");
    expect(row!.input).not.toContain("jane@example.org");
    expect(new Date(row!.created_at).toISOString()).toBe(at.toISOString());
    const broken = otlpInputRecorder({
      ...deps,
      db: {
        insert: () => {
          throw new Error("db down");
        },
      } as never,
    });
    expect(await broken({ traceId: "x", agent: "bot", input: "hello", at })).toEqual({ kept: false, reason: "error" });
  });

  it("imports JSONL: every line checked first; duplicates and filtered lines counted", async () => {
    const dir = await tempDir();
    const good = path.join(dir, "good.jsonl");
    await writeFile(
      good,
      [
        '{"input": "jsonl one"}',
        "",
        '{"input": "jsonl two", "trace_id": "t-9"}',
        '{"input": "jsonl one"}',
        '{"input": "other", "agent": "nobody"}',
      ].join("\n"),
    );
    expect(await importJsonl(deps, good, { agent: "bot" })).toEqual({ lines: 4, kept: 2, duplicates: 1, skipped: 1 });
    const bad = path.join(dir, "bad.jsonl");
    await writeFile(bad, ['{"input": "fine"}', "not json", '{"input": ""}', '{"prompt": "x"}'].join("\n"));
    const err = await importJsonl(deps, bad, { agent: "bot" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SampleImportError);
    expect((err as Error).message).toMatch(/3 bad lines, nothing imported/);
    expect((err as Error).message).toContain(`${bad}:2: not valid JSON`);
    expect((err as Error).message).toContain(`${bad}:3: input:`);
    expect((err as Error).message).toContain(`${bad}:4:`);
    const noAgent = path.join(dir, "noagent.jsonl");
    await writeFile(noAgent, '{"input": "x"}\n');
    await expect(importJsonl(deps, noAgent)).rejects.toThrow(/:1: agent: no agent/);
    expect((await recentSamples(database.db, "bot", 100)).some((r) => r.input === "fine")).toBe(false);
  });

  it("POST /api/samples: bearer token, zod-checked body, one or many", async () => {
    const url = `http://127.0.0.1:${http.port}/api/samples`;
    const post = (body: unknown, token = "tok-123") =>
      fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post({ input: "x", agent: "api-bot" }, "wrong")).status).toBe(401);
    const one = await post({ input: "api question", agent: "api-bot" });
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual({ received: 1, kept: 1, duplicates: 0, skipped: 0 });
    const many = await post({
      samples: [
        { input: "api question", agent: "api-bot" },
        { input: "second", agent: "api-bot", trace_id: "t" },
        { input: "z", agent: "nope" },
      ],
    });
    expect(await many.json()).toEqual({ received: 3, kept: 1, duplicates: 1, skipped: 1 });
    const bad = await post({ samples: [{ input: "", agent: "api-bot" }] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/input/);
    const noAgent = await post({ input: "x" });
    expect(noAgent.status).toBe(400);
    expect(((await noAgent.json()) as { error: string }).error).toMatch(/^agent: /);
    const [row] = await queryRows<{ source: string }>(database.db, sql`select source from samples where input = 'api question'`);
    expect(row!.source).toBe("api");
  });

  it("without GOLDWATCH_API_TOKEN the endpoint is off", async () => {
    const off = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      routes: sampleRoutes(deps, { apiToken: undefined }),
      log: silentLogger(),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${off.port}/api/samples`, { method: "POST", body: "{}" });
      expect(res.status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});
