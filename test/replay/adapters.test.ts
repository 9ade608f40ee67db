import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpAgent } from "../../src/agents/http.ts";
import { createOpenAiAgent } from "../../src/agents/openai.ts";
import { agentSchema, type HttpAgentConfig, type OpenAiAgentConfig } from "../../src/config/schema.ts";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer((_req, res) => json(res, 200, {}));
});
afterAll(() => server.close());

const call = (agent: { call: Function }, input = "How long?") =>
  agent.call({ input, caseId: "case-1", trialId: "run:case-1:0", signal: new AbortController().signal });

const httpAgent = (extra: Record<string, unknown> = {}) =>
  createHttpAgent(
    "web",
    agentSchema.parse({
      kind: "http",
      url: `${server.url}/agent`,
      headers: { authorization: "Bearer tok", "x-trial": "{{trial_id}}" },
      body: { message: "{{input}}", session: "{{trial_id}}", meta: { case: "{{case_id}}" } },
      response: {
        output: "$.answer",
        steps: "$.trace",
        input_tokens: "$.usage.prompt_tokens",
        output_tokens: "$.usage.completion_tokens",
        model: "$.model",
      },
      pricing: { input_per_mtok: 3, output_per_mtok: 15 },
      timeout: "2s",
      ...extra,
    }) as HttpAgentConfig,
  );

describe("http adapter", () => {
  it("templates the request and maps the reply by JSON paths", async () => {
    server.reply = (_req, res) =>
      json(res, 200, {
        answer: "30 days",
        trace: [
          { tool: "search_kb", args: { q: "refund" }, result: ["30 days"] },
          { name: "answer", arguments: { text: "30 days" } },
        ],
        usage: { prompt_tokens: 1000, completion_tokens: 100 },
        model: "support-2025-01",
      });
    const obs = await call(httpAgent(), 'say "hi" {now}');
    const req = server.requests.at(-1)!;
    expect(req.body).toEqual({ message: 'say "hi" {now}', session: "run:case-1:0", meta: { case: "case-1" } });
    expect(req.headers["x-trial"]).toBe("run:case-1:0");
    expect(obs.error).toBeNull();
    expect(obs.output).toBe("30 days");
    expect(obs.steps).toEqual([
      { tool: "search_kb", args: { q: "refund" }, result: ["30 days"] },
      { tool: "answer", args: { text: "30 days" } },
    ]);
    expect(obs.usage).toEqual({ inputTokens: 1000, outputTokens: 100 });
    expect(obs.costUsd).toBeCloseTo((1000 * 3 + 100 * 15) / 1e6, 12);
    expect(obs.model).toBe("support-2025-01");
  });

  it("records HTML instead of JSON as a parse error", async () => {
    server.reply = (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html><body>Bad gateway</body></html>");
    const obs = await call(httpAgent());
    expect(obs.error).toMatchObject({ kind: "parse", status: 200 });
    expect(obs.error!.message).toContain("text/html");
  });

  it("records a 500 as an HTTP error with the status", async () => {
    server.reply = (_req, res) => json(res, 500, { error: "boom" });
    const obs = await call(httpAgent());
    expect(obs.error).toMatchObject({ kind: "http", status: 500 });
  });

  it("records a reply without the output path as a parse error", async () => {
    server.reply = (_req, res) => json(res, 200, { something: "else" });
    expect((await call(httpAgent())).error).toMatchObject({ kind: "parse", message: "reply has no $.answer" });
  });

  it("aborts an agent that hangs past its timeout", async () => {
    server.reply = () => {}; // never answers
    const obs = await call(httpAgent({ timeout: "300ms" }));
    expect(obs.error).toMatchObject({ kind: "timeout" });
    expect(obs.output).toBeNull();
  });

  it("refuses a 50 MB reply without reading it all", async () => {
    server.reply = (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let sent = 0;
      const push = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent < 50) res.once("drain", push);
        else res.end();
      };
      res.on("error", () => {});
      push();
    };
    const obs = await call(httpAgent({ max_response_bytes: 1024 * 1024, timeout: "20s" }));
    expect(obs.error).toMatchObject({ kind: "too_large" });
  });

  it("records a refused connection as a network error", async () => {
    const agent = createHttpAgent("down", agentSchema.parse({ kind: "http", url: "http://127.0.0.1:9/agent" }) as HttpAgentConfig);
    expect((await call(agent)).error).toMatchObject({ kind: "network" });
  });
});

describe("openai adapter", () => {
  it("sends chat completions and turns tool calls into steps", async () => {
    server.reply = (_req, res) =>
      json(res, 200, {
        model: "gpt-4o-2024-08-06",
        system_fingerprint: "fp_abc",
        choices: [
          {
            message: {
              content: null,
              tool_calls: [{ id: "1", type: "function", function: { name: "search_kb", arguments: '{"q":"refund"}' } }],
            },
          },
        ],
        usage: { prompt_tokens: 50, completion_tokens: 7 },
      });
    const cfg = agentSchema.parse({
      kind: "openai",
      base_url: `${server.url}/v1/`,
      api_key: "sk-test",
      model: "gpt-4o-2024-08-06",
      system: "be brief",
    }) as OpenAiAgentConfig;
    const obs = await call(createOpenAiAgent("oa", cfg), "refund?");
    const req = server.requests.at(-1)!;
    expect(req.url).toBe("/v1/chat/completions");
    expect(req.headers.authorization).toBe("Bearer sk-test");
    expect(req.body).toMatchObject({
      model: "gpt-4o-2024-08-06",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "refund?" },
      ],
    });
    expect(obs.steps).toEqual([{ tool: "search_kb", args: { q: "refund" } }]);
    expect(obs.output).toBe("");
    expect(obs.fingerprint).toBe("fp_abc");
    expect(obs.usage).toEqual({ inputTokens: 50, outputTokens: 7 });
  });

  it("records a reply without choices as a parse error", async () => {
    server.reply = (_req, res) => json(res, 200, { error: { message: "overloaded" } });
    const cfg = agentSchema.parse({ kind: "openai", base_url: server.url, model: "m-1" }) as OpenAiAgentConfig;
    expect((await call(createOpenAiAgent("oa", cfg))).error).toMatchObject({ kind: "parse" });
  });
});
