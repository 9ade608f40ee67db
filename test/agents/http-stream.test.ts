import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { createHttpAgent } from "../../src/agents/http.ts";
import { systemClock } from "../../src/clock.ts";
import { agentSchema, type HttpAgentConfig } from "../../src/config/schema.ts";
import { callWithBudget } from "../../src/engine/budget.ts";
import { startFakeServer } from "../helpers/agent-server.ts";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A real agent on loopback that writes `event(i)` for i = 0, 1, … (NDJSON lines or SSE), a
 * millisecond apart, logging how far it got and when the connection closed.
 */
async function streamingAgent(format: "ndjson" | "sse", event: (i: number) => unknown, max = 5_000) {
  let closed!: () => void;
  const log = { sent: 0, cancelled: false, closed: new Promise<void>((r) => (closed = r)) };
  const server = await startFakeServer(async (_req, res: ServerResponse) => {
    let gone = false;
    res.on("close", () => {
      gone = true;
      if (!res.writableFinished) log.cancelled = true;
      closed();
    });
    res.writeHead(200, { "content-type": format === "sse" ? "text/event-stream" : "application/x-ndjson" });
    for (let i = 0; i < max && !gone; i++) {
      const e = event(i);
      if (e === undefined) break;
      res.write(format === "sse" ? `data: ${JSON.stringify(e)}\n\n` : `${JSON.stringify(e)}\n`);
      log.sent++;
      await pause(1);
    }
    if (!gone) res.end();
  });
  return Object.assign(server, { log });
}

const agentFor = (url: string, format: "ndjson" | "sse", response: Record<string, unknown>) =>
  createHttpAgent(
    "streamer",
    agentSchema.parse({
      kind: "http",
      url,
      stream: format,
      response,
      pricing: { input_per_mtok: 3, output_per_mtok: 15 },
      timeout: "30s",
    }) as HttpAgentConfig,
  );

const req = () => ({ input: "refund?", caseId: "c", trialId: "t", signal: new AbortController().signal });

describe("http agent with a streamed reply", () => {
  it.each(["ndjson", "sse"] as const)("folds %s events: steps append, deltas append, running totals replace", async (format) => {
    const events = [
      { step: { tool: "search_kb", args: { q: "refund" }, result: "30 days" }, usage: { in: 100, out: 5 } },
      { delta: "Refunds are accepted " },
      { delta: "within 30 days.", usage: { in: 100, out: 12 }, model: "support-7" },
    ];
    await using agent = await streamingAgent(format, (i) => events[i]);
    const obs = await agentFor(agent.url, format, {
      output_delta: "$.delta",
      steps: "$.step",
      input_tokens: "$.usage.in",
      output_tokens: "$.usage.out",
      model: "$.model",
    }).call(req());
    expect(obs.error).toBeNull();
    expect(obs.output).toBe("Refunds are accepted within 30 days.");
    expect(obs.steps).toEqual([{ tool: "search_kb", args: { q: "refund" }, result: "30 days" }]);
    expect(obs.usage).toEqual({ inputTokens: 100, outputTokens: 12 });
    expect(obs.model).toBe("support-7");
    expect(obs.costUsd).toBeCloseTo((100 * 3 + 12 * 15) / 1e6, 12);
  });

  it.each([
    ["ndjson", "steps", { steps: 15 }],
    ["sse", "steps", { steps: 15 }],
    ["ndjson", "tokens", { tokens: 2_000 }],
    ["sse", "usd", { usd: 0.01 }],
  ] as const)("a looping %s agent is stopped by budget.trial.%s mid-stream, and its connection closed", async (format, bound, bounds) => {
    // The same tool call, forever, with spend growing on every event.
    await using agent = await streamingAgent(format, (i) => ({
      step: { tool: "search_kb", args: { q: "refund window" } },
      usage: { in: 100, out: 50 * (i + 1) },
    }));
    const obs = await callWithBudget(
      agentFor(agent.url, format, { output: "$.answer", steps: "$.step", input_tokens: "$.usage.in", output_tokens: "$.usage.out" }),
      req(),
      bounds,
      systemClock,
    );
    expect(obs.error).toMatchObject({ kind: "budget_exceeded", bound });
    if (bound === "steps") expect(obs.steps).toHaveLength(16); // a bound of 15 trips at the 16th step
    await agent.log.closed;
    expect(agent.log.cancelled).toBe(true);
    expect(agent.log.sent).toBeLessThan(1_000);
    expect(obs.usage.outputTokens).toBeGreaterThan(0); // the spend so far is kept
  });

  it("a stream that ends without the output path is a parse error, and a non-JSON event names itself", async () => {
    await using quiet = await streamingAgent("ndjson", (i) => (i < 2 ? { step: { tool: "t" } } : undefined));
    const none = await agentFor(quiet.url, "ndjson", { output: "$.answer", steps: "$.step" }).call(req());
    expect(none.error).toMatchObject({ kind: "parse", message: "stream ended with no $.answer" });
    expect(none.steps).toHaveLength(2);

    await using garbled = await startFakeServer((_r, res) => {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end('{"answer":"fine"}\n<html>oops</html>\n');
    });
    const bad = await agentFor(garbled.url, "ndjson", { output: "$.answer" }).call(req());
    expect(bad.error).toMatchObject({ kind: "parse", message: "stream event is not JSON: <html>oops</html>" });
  });

  it("reads an endpoint that answers with one JSON document as a single event", async () => {
    await using plain = await startFakeServer((_r, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ answer: "30 days", usage: { in: 7, out: 3 } }));
    });
    const obs = await agentFor(plain.url, "sse", { output: "$.answer", input_tokens: "$.usage.in", output_tokens: "$.usage.out" }).call(
      req(),
    );
    expect(obs).toMatchObject({ output: "30 days", error: null, usage: { inputTokens: 7, outputTokens: 3 } });
  });

  it("refuses output_delta without stream, naming the field", () => {
    const parsed = agentSchema.safeParse({ kind: "http", url: "http://127.0.0.1:1/a", response: { output_delta: "$.delta" } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({
      path: ["response", "output_delta"],
      message: expect.stringMatching(/set stream: ndjson or sse/),
    });
  });
});
