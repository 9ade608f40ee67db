import { describe, expect, it } from "vitest";
import { ChatAccumulator } from "../../src/agents/openai-stream.ts";
import { createOpenAiAgent } from "../../src/agents/openai.ts";
import type { AgentRequest, TrialProgress } from "../../src/agents/types.ts";
import { agentSchema, type OpenAiAgentConfig } from "../../src/config/schema.ts";
import { json, startFakeServer } from "../helpers/agent-server.ts";
import { loopingToolCall, sse, startStreamingAgent } from "./sse-agent.ts";

const agentConfig = (base_url: string, extra: Record<string, unknown> = {}) =>
  agentSchema.parse({
    kind: "openai",
    base_url,
    model: "gpt-4o-mini-2024-07-18",
    stream: true,
    timeout: "10s",
    ...extra,
  }) as OpenAiAgentConfig;

const request = (extra: Partial<AgentRequest> = {}): AgentRequest => ({
  input: "How long is the refund window?",
  caseId: "c",
  trialId: "t",
  signal: new AbortController().signal,
  ...extra,
});

/** A complete streamed reply: a tool call in fragments, content in pieces, usage in the last chunk. */
const SCRIPT: unknown[] = [
  {
    model: "gpt-4o-mini-2024-07-18",
    system_fingerprint: "fp_44709d6fcb",
    choices: [{ index: 0, delta: { role: "assistant", content: "" } }],
  },
  {
    choices: [
      { index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "search_kb", arguments: "" } }] } },
    ],
  },
  { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"que' } }] } }] },
  { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: 'ry":"refund"}' } }] } }] },
  { choices: [{ index: 0, delta: { content: "You can return it " } }] },
  { choices: [{ index: 0, delta: { content: "within 30 days." } }] },
  { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
  { choices: [], usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 } },
];

describe("openai adapter, streaming", () => {
  it("assembles content, tool calls, model and usage from server-sent events, and prices the reported model", async () => {
    await using agent = await startStreamingAgent((i) => SCRIPT[i]);
    const progress: TrialProgress[] = [];
    const obs = await createOpenAiAgent("bot", agentConfig(`${agent.url}/v1`)).call(
      request({ meter: { progress: (p) => progress.push(p) } }),
    );
    expect(obs.error).toBeNull();
    expect(obs.output).toBe("You can return it within 30 days.");
    expect(obs.steps).toEqual([{ tool: "search_kb", args: { query: "refund" } }]);
    expect(obs.usage).toEqual({ inputTokens: 1200, outputTokens: 300 });
    expect(obs.model).toBe("gpt-4o-mini-2024-07-18");
    expect(obs.fingerprint).toBe("fp_44709d6fcb");
    // No pricing configured: the built-in table prices gpt-4o-mini at $0.15 / $0.60 per million.
    expect(obs.costUsd).toBeCloseTo((1200 * 0.15 + 300 * 0.6) / 1e6, 12);
    expect(agent.requests[0]!.body).toMatchObject({
      model: "gpt-4o-mini-2024-07-18",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(agent.requests[0]!.headers.accept).toBe("text/event-stream");
    // Progress was reported as chunks arrived, the last with the reported usage.
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ steps: 1, usage: { inputTokens: 1200, outputTokens: 300 } });
    expect(agent.streams[0]).toMatchObject({ sent: SCRIPT.length, cancelled: false });
  });

  it("an agent's own pricing wins over the table, and the config's table over the built-in one", async () => {
    await using agent = await startStreamingAgent((i) => SCRIPT[i]);
    const own = await createOpenAiAgent("bot", agentConfig(agent.url, { pricing: { input_per_mtok: 1, output_per_mtok: 1 } })).call(
      request(),
    );
    expect(own.costUsd).toBeCloseTo(1500 / 1e6, 12);
    const table = await createOpenAiAgent("bot", agentConfig(agent.url), {
      prices: { "gpt-4o-mini": { input_per_mtok: 10, output_per_mtok: 0 } },
    }).call(request());
    expect(table.costUsd).toBeCloseTo(12000 / 1e6, 12);
  });

  it("reads a server that ignores stream: true and answers with one JSON reply", async () => {
    await using server = await startFakeServer((_req, res) => {
      json(res, 200, {
        model: "gpt-4o-2024-08-06",
        choices: [
          {
            message: {
              content: "30 days",
              tool_calls: [{ id: "a", type: "function", function: { name: "search_kb", arguments: '{"query":"x"}' } }],
            },
          },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5 },
      });
    });
    const obs = await createOpenAiAgent("bot", agentConfig(server.url)).call(request());
    expect(obs).toMatchObject({
      output: "30 days",
      steps: [{ tool: "search_kb", args: { query: "x" } }],
      usage: { inputTokens: 10, outputTokens: 5 },
      error: null,
    });
  });

  it("turns HTTP errors, error events and malformed events into agent errors", async () => {
    await using server = await startFakeServer((req, res) => {
      const mode = (req.body as { messages: { content: string }[] }).messages.at(-1)!.content;
      if (mode === "500") {
        json(res, 500, { error: { message: "overloaded" } });
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      sse(res, { choices: [{ delta: { content: "partial " } }] });
      if (mode === "error-event") sse(res, { error: { message: "context length exceeded" } });
      else res.write("data: {not json\n\n");
      res.end();
    });
    const agent = createOpenAiAgent("bot", agentConfig(server.url));
    expect((await agent.call(request({ input: "500" }))).error).toMatchObject({ kind: "http", status: 500 });
    const errorEvent = await agent.call(request({ input: "error-event" }));
    expect(errorEvent.error).toMatchObject({ kind: "http", message: "stream error: context length exceeded" });
    expect(errorEvent.output).toBe("partial ");
    expect((await agent.call(request({ input: "garbage" }))).error).toMatchObject({ kind: "parse" });
  });

  it("cancels the request as soon as the caller aborts, keeping what arrived", async () => {
    await using agent = await startStreamingAgent((i) => loopingToolCall(i), { pauseMs: 2 });
    const abort = new AbortController();
    const obs = await createOpenAiAgent("bot", agentConfig(agent.url)).call(
      request({ signal: abort.signal, meter: { progress: (p) => p.steps >= 5 && abort.abort(new Error("enough")) } }),
    );
    await agent.streams[0]!.finished;
    expect(obs.error).toMatchObject({ kind: "aborted" });
    expect(obs.steps.length).toBeGreaterThanOrEqual(5);
    expect(agent.streams[0]!.cancelled).toBe(true);
    expect(agent.streams[0]!.sent).toBeLessThan(5_000);
  });

  it("caps the bytes it reads", async () => {
    await using agent = await startStreamingAgent((i) => loopingToolCall(i), { pauseMs: 0 });
    const obs = await createOpenAiAgent("bot", agentConfig(agent.url, { max_response_bytes: 4096 })).call(request());
    expect(obs.error).toMatchObject({ kind: "too_large" });
    await agent.streams[0]!.finished;
    expect(agent.streams[0]!.cancelled).toBe(true);
  });
});

describe("ChatAccumulator", () => {
  it("estimates tokens from the text until usage is reported", () => {
    const acc = new ChatAccumulator(400);
    acc.add({ choices: [{ delta: { content: "x".repeat(80) } }] });
    expect(acc.usage()).toEqual({ inputTokens: 100, outputTokens: 20 });
    expect(acc.usageReported).toBe(false);
    acc.add({ choices: [], usage: { prompt_tokens: 90, completion_tokens: 25 } });
    expect(acc.usage()).toEqual({ inputTokens: 90, outputTokens: 25 });
  });

  it("assembles tool calls by index, by id, or whole", () => {
    const acc = new ChatAccumulator(0);
    acc.add({
      choices: [
        {
          delta: {
            tool_calls: [
              { index: 0, id: "a", function: { name: "search_kb", arguments: '{"q":' } },
              { index: 1, id: "b", function: { name: "answer" } },
            ],
          },
        },
      ],
    });
    acc.add({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] } }] });
    acc.add({ choices: [{ delta: { tool_calls: [{ id: "c", function: { name: "lookup", arguments: "not json" } }] } }] });
    expect(acc.toolCalls).toBe(3);
    expect(acc.steps()).toEqual([
      { tool: "search_kb", args: { q: "x" } },
      { tool: "answer", args: undefined },
      { tool: "lookup", args: "not json" },
    ]);
  });
});
