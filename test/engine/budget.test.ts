import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createHttpAgent } from "../../src/agents/http.ts";
import { createOpenAiAgent } from "../../src/agents/openai.ts";
import type { Agent } from "../../src/agents/types.ts";
import { systemClock, type Clock } from "../../src/clock.ts";
import { hashGolden, type GoldenSet } from "../../src/load/golden.ts";
import { agentSchema, configSchema, type HttpAgentConfig, type OpenAiAgentConfig } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { callWithBudget } from "../../src/engine/budget.ts";
import { executeRun } from "../../src/engine/run.ts";
import { silentLogger } from "../../src/log.ts";
import { getRun } from "../../src/store/runs.ts";
import { trials } from "../../src/store/schema.ts";
import { loopingToolCall, startStreamingAgent } from "../agents/sse-agent.ts";
import { json, startFakeServer } from "../helpers/agent-server.ts";
import { testDatabase } from "../helpers/db.ts";
import { ManualClock } from "../helpers/clock.ts";

const streamingAgent = (url: string, extra: Record<string, unknown> = {}) =>
  createOpenAiAgent(
    "looper",
    agentSchema.parse({
      kind: "openai",
      base_url: url,
      model: "gpt-4o-mini-2024-07-18",
      stream: true,
      timeout: "30s",
      ...extra,
    }) as OpenAiAgentConfig,
  );

describe("a looping agent is stopped by each bound, mid-stream", () => {
  const req = () => ({ input: "refund?", caseId: "c", trialId: "t", signal: new AbortController().signal });

  it.each([
    ["steps", { steps: 15 }, { usage: false }],
    ["tokens", { tokens: 500 }, { usage: true }], // reported usage on every chunk
    ["tokens", { tokens: 500 }, { usage: false }], // no usage until the end: estimated from the text
    ["usd", { usd: 0.0001 }, { usage: true }],
  ] as const)("%s %j (usage per chunk: %j)", async (bound, bounds, opts) => {
    await using agent = await startStreamingAgent((i) => loopingToolCall(i, opts), { pauseMs: 2 });
    const obs = await callWithBudget(streamingAgent(agent.url), req(), bounds, systemClock);
    await agent.streams[0]!.finished;
    expect(obs.error).toMatchObject({ kind: "budget_exceeded", bound });
    // The request was cancelled: the server saw the client go away long before its 5,000 chunks.
    expect(agent.streams[0]!.cancelled).toBe(true);
    expect(agent.streams[0]!.sent).toBeLessThan(1_000);
    // The partial trajectory and spend are kept.
    expect(obs.steps.length).toBeGreaterThan(0);
    expect(obs.usage.inputTokens + obs.usage.outputTokens).toBeGreaterThan(0);
  });

  it("ttl, on the injected clock", async () => {
    const clock = new ManualClock();
    let fiveSent!: () => void;
    const streaming = new Promise<void>((r) => (fiveSent = r));
    await using agent = await startStreamingAgent(
      (i) => {
        if (i === 5) fiveSent(); // chunks 0-4 are written
        return loopingToolCall(i);
      },
      { pauseMs: 2, max: 100_000 },
    );
    const pending = callWithBudget(streamingAgent(agent.url), req(), { ttl: 120_000 }, clock);
    await clock.untilSleeping();
    await streaming;
    expect(agent.streams[0]!.cancelled).toBe(false);
    clock.tick(120_000);
    const obs = await pending;
    await agent.streams[0]!.finished;
    expect(obs.error).toMatchObject({ kind: "budget_exceeded", bound: "ttl" });
    expect(agent.streams[0]!.cancelled).toBe(true);
  });
});

describe("a reply that is not streamed", () => {
  it.each([
    ["steps", { steps: 15 }],
    ["tokens", { tokens: 20_000 }],
    ["usd", { usd: 0.05 }],
  ] as const)("is checked against %s when it arrives", async (bound, bounds) => {
    // A looping agent's whole trace at once: 20 identical searches, 30,000 tokens, $0.09.
    await using server = await startFakeServer((_req, res) => {
      const trace = Array.from({ length: 20 }, () => ({ tool: "search_kb", args: { q: "refund" }, result: [] }));
      json(res, 200, { answer: "I'm still looking", trace, usage: { in: 25_000, out: 5_000 } });
    });
    const agent = createHttpAgent(
      "looper",
      agentSchema.parse({
        kind: "http",
        url: server.url,
        response: { output: "$.answer", steps: "$.trace", input_tokens: "$.usage.in", output_tokens: "$.usage.out" },
        pricing: { input_per_mtok: 3, output_per_mtok: 3 },
      }) as HttpAgentConfig,
    );
    const obs = await callWithBudget(
      agent,
      { input: "q", caseId: "c", trialId: "t", signal: new AbortController().signal },
      bounds,
      systemClock,
    );
    expect(obs.error).toMatchObject({ kind: "budget_exceeded", bound });
    expect(obs.steps).toHaveLength(20);
    expect(obs.costUsd).toBeCloseTo(0.09, 10);
  });

  it("is cancelled by ttl while the agent hangs", async () => {
    const clock = new ManualClock();
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    let received!: () => void;
    const asked = new Promise<void>((r) => (received = r));
    await using server = await startFakeServer((_req, res) => {
      res.on("close", closed); // never answers
      received();
    });
    const agent = createHttpAgent("slow", agentSchema.parse({ kind: "http", url: server.url, timeout: "10m" }) as HttpAgentConfig);
    const pending = callWithBudget(
      agent,
      { input: "q", caseId: "c", trialId: "t", signal: new AbortController().signal },
      { ttl: 30_000 },
      clock,
    );
    await clock.untilSleeping();
    await asked;
    clock.tick(30_000);
    // No reply arrived: the agent did not answer, which is an agent error, not a runaway.
    expect((await pending).error).toEqual({ kind: "timeout", message: "no reply within 30.0 s (budget.trial.ttl)" });
    await gone;
  });
});

// ---------------------------------------------------------------------------------------------
// Through the engine: trial rows, run status and the run budget.

function golden(ids: string[]): GoldenSet {
  const cases = ids.map((id) => ({ id, input: `question ${id}`, tags: [], assert: [{ type: "contains", arg: "30 days" }] }));
  return { name: "budget", file: "budget.yaml", hash: hashGolden({ name: "budget", cases }), cases };
}

const job = (budget: object, repeats = 1, concurrency = 1) =>
  configSchema.parse({
    agents: { a: { kind: "demo" } },
    jobs: { j: { agent: "a", golden: "x", schedule: "@hourly", repeats, concurrency, budget } },
  }).jobs.j!;

async function run(agent: Agent, budget: object, opts: { cases?: string[]; repeats?: number; concurrency?: number; clock?: Clock } = {}) {
  const database = await testDatabase();
  const summary = await executeRun(
    { db: database.db, clock: opts.clock ?? systemClock, log: silentLogger(), secrets: new Secrets(), replica: "test:1" },
    { jobName: "j", job: job(budget, opts.repeats, opts.concurrency), agent, golden: golden(opts.cases ?? ["loop"]), trigger: "manual" },
  );
  const rows = await database.db.select().from(trials).where(eq(trials.runId, summary.runId));
  return { database, summary, rows };
}

describe("budgets in a run", () => {
  it("records a runaway trial as budget_exceeded with the bound, its partial spend and the loop", async () => {
    await using agent = await startStreamingAgent((i) => loopingToolCall(i, { usage: true }), { pauseMs: 2 });
    const { database, summary, rows } = await run(streamingAgent(agent.url), { trial: { steps: 15 } });
    await using _ = database;
    expect(summary).toMatchObject({ status: "completed", trials: 1, budgetExceeded: 1, scored: 1, passed: 0 });
    const [row] = rows;
    expect(row).toMatchObject({ status: "budget_exceeded", errorKind: "budget_exceeded" });
    expect(row!.errorMessage).toMatch(/^trial budget exceeded: \d+ steps > 15 steps \(budget\.trial\.steps\)$/);
    expect(row!.outputTokens).toBeGreaterThan(0);
    expect(row!.costUsd).toBeGreaterThan(0);
    expect(row!.assertions).toEqual([expect.objectContaining({ type: "no_loop", kind: "loop" })]);
    await agent.streams[0]!.finished;
    expect(agent.streams[0]!.cancelled).toBe(true);
  });

  it("budget.run.usd stops starting trials once the run's spend reaches it, and marks the run budget_exhausted", async () => {
    // Each trial costs 1000 × $1 + 100 × $2 per million = $0.0012.
    await using server = await startFakeServer((_req, res) => {
      json(res, 200, { answer: "30 days", usage: { in: 1000, out: 100 } });
    });
    const agent = createHttpAgent(
      "paid",
      agentSchema.parse({
        kind: "http",
        url: server.url,
        response: { output: "$.answer", input_tokens: "$.usage.in", output_tokens: "$.usage.out" },
        pricing: { input_per_mtok: 1, output_per_mtok: 2 },
      }) as HttpAgentConfig,
    );
    const { database, summary, rows } = await run(agent, { run: { usd: 0.005 } }, { cases: ["a", "b"], repeats: 5, concurrency: 1 });
    await using _ = database;
    // After 4 trials $0.0048 < $0.005; the 5th reaches $0.0060 and nothing more starts.
    expect(rows).toHaveLength(5);
    expect(summary.status).toBe("budget_exhausted");
    expect(summary.error).toBe("run budget of $0.005 reached ($0.0060 spent): 5 of 10 trials started");
    expect(summary.costUsd).toBeCloseTo(0.006, 10);
    const stored = await getRun(database.db, summary.runId);
    expect(stored).toMatchObject({ status: "budget_exhausted", trials: 5 });
  });

  it("a run that spends its budget on its last trial is completed, not exhausted", async () => {
    await using server = await startFakeServer((_req, res) => {
      json(res, 200, { answer: "30 days", usage: { in: 1000, out: 100 } });
    });
    const agent = createHttpAgent(
      "paid",
      agentSchema.parse({
        kind: "http",
        url: server.url,
        response: { output: "$.answer", input_tokens: "$.usage.in", output_tokens: "$.usage.out" },
        pricing: { input_per_mtok: 1, output_per_mtok: 2 },
      }) as HttpAgentConfig,
    );
    const { database, summary } = await run(agent, { run: { usd: 0.0024 } }, { cases: ["a", "b"], repeats: 1 });
    await using _ = database;
    expect(summary.status).toBe("completed");
    expect(summary.trials).toBe(2);
  });
});
