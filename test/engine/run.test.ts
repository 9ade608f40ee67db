import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpAgent } from "../../src/agents/http.ts";
import { systemClock } from "../../src/clock.ts";
import { hashGolden, type GoldenSet } from "../../src/load/golden.ts";
import { agentSchema, configSchema, type HttpAgentConfig } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { executeRun } from "../../src/engine/run.ts";
import { Events } from "../../src/engine/events.ts";
import { silentLogger } from "../../src/log.ts";
import { getRun } from "../../src/store/runs.ts";
import { trials } from "../../src/store/schema.ts";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";

let agentServer: FakeServer;
beforeAll(async () => {
  // One agent with a behaviour per case: right, wrong, 500, HTML, hang, and flaky.
  let flaky = 0;
  agentServer = await startFakeServer((req, res) => {
    const { message, case: caseId } = req.body as { message: string; case: string };
    switch (caseId) {
      case "right":
        return json(res, 200, { answer: `echo: ${message}`, usage: { in: 100, out: 10 }, model: "m-1" });
      case "wrong":
        return json(res, 200, { answer: "nope", usage: { in: 100, out: 10 }, model: "m-1" });
      case "server-error":
        return json(res, 500, { error: "internal" });
      case "html":
        return res.writeHead(200, { "content-type": "text/html" }).end("<h1>oops</h1>");
      case "hang":
        return; // never answers: the adapter's timeout must end it
      case "huge": {
        // 50 MB of JSON, declared: refused by max_response_bytes without being read (the
        // undeclared, streamed case is covered in adapters.test.ts).
        res.writeHead(200, { "content-type": "application/json", "content-length": String(50 * 1024 * 1024 + 2) });
        res.on("error", () => {});
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const push = () => {
          while (sent < 50 && res.write(chunk)) sent++;
          if (sent < 50) res.once("drain", push);
          else res.end("{}");
        };
        return push();
      }
      case "flaky":
        return json(res, 200, { answer: flaky++ % 2 === 0 ? "echo: yes" : "no", usage: { in: 100, out: 10 }, model: "m-1" });
    }
  });
});
afterAll(() => agentServer.close());

function golden(ids: string[]): GoldenSet {
  const cases = ids.map((id) => ({ id, input: `question ${id}`, tags: [], assert: [{ type: "contains", arg: "echo" }] }));
  return { name: "faults", file: "faults.yaml", hash: hashGolden({ name: "faults", cases }), cases };
}

const agentConfig = () =>
  agentSchema.parse({
    kind: "http",
    url: `${agentServer.url}/agent`,
    headers: { authorization: "Bearer super-secret-token" },
    body: { message: "{{input}}", case: "{{case_id}}" },
    response: { output: "$.answer", input_tokens: "$.usage.in", output_tokens: "$.usage.out", model: "$.model" },
    pricing: { input_per_mtok: 1, output_per_mtok: 2 },
    timeout: "2s", // generous: a loaded CI machine must not turn fast replies into timeouts
    max_response_bytes: 1024 * 1024,
  }) as HttpAgentConfig;

const jobConfig = (repeats: number, concurrency = 4) =>
  configSchema.parse({
    agents: { a: { kind: "demo" } },
    jobs: { j: { agent: "a", golden: "x", schedule: "@hourly", repeats, concurrency } },
  }).jobs.j!;

describe("executeRun", () => {
  it("stores every trial and the run's aggregates; agent faults are errored trials, not crashes", async () => {
    await using database = await testDatabase();
    const secrets = new Secrets();
    secrets.add("super-secret-token");
    const events = new Events();
    let finished = 0;
    events.on("trial:finished", () => finished++);
    const summary = await executeRun(
      { db: database.db, clock: systemClock, log: silentLogger(), secrets, replica: "test:1", events },
      {
        jobName: "j",
        job: jobConfig(4),
        agent: createHttpAgent("a", agentConfig()),
        golden: golden(["right", "wrong", "server-error", "html", "hang", "flaky", "huge"]),
        trigger: "manual",
      },
    );
    expect(finished).toBe(28);
    expect(summary.status).toBe("completed");
    expect(summary.trials).toBe(28);
    expect(summary.errored).toBe(16); // server-error, html, hang, huge × 4
    expect(summary.scored).toBe(12);
    expect(summary.passed).toBe(6); // right × 4 + flaky × 2
    expect(summary.errorRate).toBeCloseTo(16 / 28, 10);
    const byId = Object.fromEntries(summary.perCase.map((c) => [c.id, c]));
    expect(byId.right).toMatchObject({ rate: 1, passes: 4, scored: 4 });
    expect(byId.wrong).toMatchObject({ rate: 0 });
    expect(byId.flaky).toMatchObject({ rate: 0.5 });
    expect(byId.hang).toMatchObject({ rate: null, errors: 4 });
    // The interval is over the three scored cases' pass rates [1, 0, 0.5].
    expect(summary.accuracy).toMatchObject({ method: "t-cases", estimate: 0.5 });
    expect(summary.accuracy!.se).toBeCloseTo(0.288675, 6);
    expect(summary.tokens).toEqual({ input: 1200, output: 120 });
    expect(summary.costUsd).toBeCloseTo((1200 * 1 + 120 * 2) / 1e6, 12);
    expect(summary.model).toBe("m-1");

    const run = await getRun(database.db, summary.runId);
    expect(run).toMatchObject({
      status: "completed",
      trials: 28,
      passed: 6,
      errored: 16,
      accuracy: 0.5,
      ciMethod: "t-cases",
      agentModel: "m-1",
    });
    expect(run!.ciHigh).toBeGreaterThan(0.5);
    expect(run!.goldenHash).toMatch(/^[0-9a-f]{64}$/);
    const stored = await database.db.select().from(trials).where(eq(trials.runId, summary.runId));
    expect(stored).toHaveLength(28);
    expect(stored.find((t) => t.caseId === "huge")).toMatchObject({ status: "error", errorKind: "too_large" });
    const hang = stored.find((t) => t.caseId === "hang")!;
    expect(hang).toMatchObject({ status: "error", errorKind: "timeout", passed: false });
    const html = stored.find((t) => t.caseId === "html")!;
    expect(html).toMatchObject({ status: "error", errorKind: "parse" });
    const wrong = stored.find((t) => t.caseId === "wrong")!;
    expect(wrong.assertions).toEqual([{ type: "contains", passed: false, reason: 'does not contain "echo"' }]);
    expect(JSON.stringify(stored)).not.toContain("super-secret-token");
  });

  it("redacts secrets from stored assertion reasons, which quote the agent's output", async () => {
    await using database = await testDatabase();
    const secrets = new Secrets();
    secrets.add("super-secret-token");
    // An agent that echoes its request headers (a debug endpoint, a misbehaving proxy).
    await using echo = await startFakeServer((req, res) => json(res, 200, { answer: `auth was ${String(req.headers.authorization)}` }));
    const g = golden(["right"]);
    g.cases = [{ ...g.cases[0]!, assert: [{ type: "equals", arg: "30 days" }] }];
    const summary = await executeRun(
      { db: database.db, clock: systemClock, log: silentLogger(), secrets, replica: "test:1" },
      {
        jobName: "j",
        job: jobConfig(1),
        agent: createHttpAgent("a", { ...agentConfig(), url: `${echo.url}/agent` }),
        golden: g,
        trigger: "manual",
      },
    );
    const [stored] = await database.db.select().from(trials).where(eq(trials.runId, summary.runId));
    expect(stored).toMatchObject({ status: "fail", output: "auth was Bearer [redacted]" });
    expect(stored!.assertions).toEqual([{ type: "equals", passed: false, reason: 'output "auth was Bearer [redacted]" is not "30 days"' }]);
  });

  it("stores a finished trial even when a trial:finished listener throws", async () => {
    await using database = await testDatabase();
    const events = new Events();
    events.on("trial:finished", () => {
      throw new Error("progress bar broke");
    });
    const summary = await executeRun(
      { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "test:1", events },
      { jobName: "j", job: jobConfig(3, 1), agent: createHttpAgent("a", agentConfig()), golden: golden(["right"]), trigger: "manual" },
    );
    expect(summary.status).toBe("failed");
    expect(summary.error).toContain("progress bar broke");
    // The trial that had finished is stored, not lost with the listener's fault.
    expect(summary.trials).toBe(1);
    expect(await database.db.select().from(trials).where(eq(trials.runId, summary.runId))).toHaveLength(1);
  });

  it("streams many trials in batches and keeps the count exact", async () => {
    await using database = await testDatabase();
    const ids = Array.from({ length: 10 }, (_, i) => (i % 2 ? "right" : "wrong"));
    const g = golden(["right", "wrong"]);
    g.cases = ids.map((kind, i) => ({ ...g.cases[kind === "right" ? 0 : 1]!, id: `${kind}-${i}` }));
    // Case ids no longer match the server's switch: every reply hangs, so use a tiny timeout and
    // a demo-like server path instead. Here: a fast echo server for throughput.
    await using echo = await startFakeServer((req, res) => json(res, 200, { answer: `echo ${(req.body as { message: string }).message}` }));
    const cfg = { ...agentConfig(), url: `${echo.url}/agent` };
    const summary = await executeRun(
      { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "test:1" },
      { jobName: "bulk", job: jobConfig(130, 16), agent: createHttpAgent("a", cfg), golden: g, trigger: "manual" },
    );
    expect(summary.trials).toBe(1300);
    const [{ n }] = (await database.db.select({ n: count() }).from(trials).where(eq(trials.runId, summary.runId))) as [{ n: number }];
    expect(Number(n)).toBe(1300);
    expect(summary.accuracy!.estimate).toBe(1);
  });

  it("stores an aborted run as aborted, with the trials that finished", async () => {
    await using database = await testDatabase();
    const abort = new AbortController();
    const events = new Events();
    let done = 0;
    events.on("trial:finished", () => {
      if (++done === 5) abort.abort(new Error("SIGTERM"));
    });
    const summary = await executeRun(
      { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "test:1", events },
      {
        jobName: "j",
        job: jobConfig(50, 2),
        agent: createHttpAgent("a", agentConfig()),
        golden: golden(["right"]),
        trigger: "manual",
        signal: abort.signal,
      },
    );
    expect(summary.status).toBe("aborted");
    expect(summary.trials).toBeGreaterThanOrEqual(5);
    expect(summary.trials).toBeLessThan(50);
    const run = await getRun(database.db, summary.runId);
    expect(run).toMatchObject({ status: "aborted", trials: summary.trials });
  });
  it("a wait before a trial (the gate's lockstep) does not count against the trial's ttl", async () => {
    await using database = await testDatabase();
    // Time is the test's: the wait, the ttl and the agent's timeout all run on this clock.
    const clock = new ManualClock();
    const job = { ...jobConfig(1, 1), budget: { trial: { ttl: 1_000 }, run: {} } };
    let waiting!: () => void;
    const waits = new Promise<void>((resolve) => (waiting = resolve));
    const run = executeRun(
      { db: database.db, clock, log: silentLogger(), secrets: new Secrets(), replica: "test:1" },
      {
        jobName: "j",
        job,
        agent: createHttpAgent("a", agentConfig(), { clock }),
        golden: golden(["right"]),
        trigger: "gate",
        // Longer than the ttl: counted against the trial, it would end budget_exceeded.
        beforeTrial: (_caseId, signal) => {
          waiting();
          return clock.sleep(1_500, signal);
        },
      },
    );
    await waits;
    await clock.advance(1_500);
    const summary = await run;
    expect(summary.budgetExceeded).toBe(0);
    expect(summary.passed).toBe(1);
  });
});
