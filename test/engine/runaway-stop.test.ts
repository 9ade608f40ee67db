import { describe, expect, it } from "vitest";
import { createHttpAgent } from "../../src/agents/http.ts";
import { systemClock } from "../../src/clock.ts";
import { hashGolden, type GoldenSet } from "../../src/load/golden.ts";
import { agentSchema, configSchema, type HttpAgentConfig } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { runPool } from "../../src/engine/pool.ts";
import { executeRun } from "../../src/engine/run.ts";
import { silentLogger } from "../../src/log.ts";
import { formatSummary } from "../../src/report/format-summary.ts";
import { getRun } from "../../src/store/runs.ts";
import { json, startFakeServer } from "../helpers/agent-server.ts";
import { testDatabase } from "../helpers/db.ts";

describe("the pool", () => {
  it("waits while hold() says so and work is in flight, and never stalls with nothing in flight", async () => {
    let inFlight = 0;
    let widest = 0;
    let started = 0;
    const release: (() => void)[] = [];
    const pool = runPool(
      Array.from({ length: 30 }, (_, i) => i),
      8,
      async () => {
        started++;
        widest = Math.max(widest, ++inFlight);
        await new Promise<void>((r) => release.push(r));
        inFlight--;
      },
      { hold: () => started >= 5 && started < 20 },
    );
    const flush = () => new Promise((r) => setImmediate(r));
    await flush();
    expect(started).toBe(5); // held at 5 with 8 workers
    release.shift()!();
    await flush();
    expect(started).toBe(5); // still holding: one finished, another is still in flight
    for (const r of release.splice(0)) r();
    await flush();
    expect(started).toBe(6); // nothing in flight: one more goes, so the pool never stalls
    while (started < 30 || release.length > 0) {
      for (const r of release.splice(0)) r();
      await flush();
    }
    await pool;
    expect(started).toBe(30);
    expect(widest).toBeLessThanOrEqual(8);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the engine, against a loopback agent and the embedded database.

function golden(n: number): GoldenSet {
  const cases = Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    input: `q${i}`,
    tags: [],
    assert: [{ type: "contains", arg: "30 days" }],
  }));
  return { name: "loop", file: "loop.yaml", hash: hashGolden({ name: "loop", cases }), cases };
}

const job = (budget: object, repeats: number, concurrency = 4) =>
  configSchema.parse({
    agents: { a: { kind: "demo" } },
    jobs: { j: { agent: "a", golden: "x", schedule: "@hourly", repeats, concurrency, budget } },
  }).jobs.j!;

/** An http agent whose replies the test scripts per request: `reply(i)` for the i-th call. */
async function scriptedAgent(reply: (i: number) => object) {
  let calls = 0;
  const server = await startFakeServer((_req, res) => json(res, 200, reply(calls++)));
  const agent = createHttpAgent(
    "bot",
    agentSchema.parse({
      kind: "http",
      url: server.url,
      response: { output: "$.answer", steps: "$.trace", input_tokens: "$.usage.in", output_tokens: "$.usage.out" },
      pricing: { input_per_mtok: 1, output_per_mtok: 1 },
    }) as HttpAgentConfig,
  );
  return { server, agent, calls: () => calls };
}

const looping = () => ({
  answer: "still searching",
  trace: Array.from({ length: 40 }, () => ({ tool: "search_kb", args: { q: "refund" }, result: [] })),
  usage: { in: 390_000, out: 10_000 },
});
const good = (tokens = 1_000) => ({
  answer: "30 days",
  trace: [{ tool: "search_kb", args: { q: "refund" } }],
  usage: { in: tokens, out: 0 },
});

describe("a run that runs away stops", () => {
  it("after its first trials all hit a bound, with status runaway and why, far short of the whole run", async () => {
    await using database = await testDatabase();
    const { server, agent, calls } = await scriptedAgent(looping);
    await using _ = server;
    const deps = { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "t:1" };
    const summary = await executeRun(deps, {
      jobName: "j",
      job: job({ trial: { tokens: 20_000 } }, 5),
      agent,
      golden: golden(40),
      trigger: "manual",
    });
    expect(summary.status).toBe("runaway");
    // No more than the 10 the rule needs start before it decides.
    expect(summary.trials).toBe(10);
    expect(calls()).toBe(summary.trials);
    expect(summary.runaway).toBe(summary.trials);
    expect(summary.runawayBy).toEqual({ tokens: summary.trials });
    expect(summary.error).toBe(
      "stopped for runaway: 10 of the first 10 trials hit a budget bound or looped, none passed ($4.0000 spent): 10 of 200 trials started",
    );
    const row = await getRun(database.db, summary.runId);
    expect(row).toMatchObject({ status: "runaway", trials: summary.trials });
    // The per-case counts carry why, for the detectors.
    expect((row!.caseStats as { runawayBy: Record<string, number> }[]).reduce((s, c) => s + (c.runawayBy.tokens ?? 0), 0)).toBe(
      summary.trials,
    );
  });

  it("a wide pool starts no more than the rule needs before it decides", async () => {
    await using database = await testDatabase();
    const { server, agent } = await scriptedAgent(looping);
    await using _ = server;
    const deps = { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "t:1" };
    const summary = await executeRun(deps, {
      jobName: "j",
      job: job({ trial: { steps: 15 } }, 5, 32),
      agent,
      golden: golden(40),
      trigger: "manual",
    });
    expect(summary).toMatchObject({ status: "runaway", trials: 20, runawayBy: { steps: 20 } }); // runawayCheckAfter(200, 32) = 20
  });

  it("not when some trials pass, however many others run away", async () => {
    await using database = await testDatabase();
    const { server, agent } = await scriptedAgent((i) => (i % 10 === 0 ? good() : looping()));
    await using _ = server;
    const deps = { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "t:1" };
    const summary = await executeRun(deps, {
      jobName: "j",
      job: job({ trial: { tokens: 20_000 } }, 2, 1),
      agent,
      golden: golden(10),
      trigger: "manual",
    });
    expect(summary).toMatchObject({ status: "completed", trials: 20, passed: 2, runaway: 18, runawayBy: { tokens: 18 } });
  });
});

describe("without budget.run, the baseline sets the run's spending limit", () => {
  it("3 × the median cost per trial of the job's completed runs: a run that costs 11× stops, and says why", async () => {
    await using database = await testDatabase();
    let tokens = 1_000; // $0.001 per trial
    const { server, agent } = await scriptedAgent(() => good(tokens));
    await using _ = server;
    const deps = { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "t:1" };
    const request = { jobName: "j", job: job({}, 2, 1), agent, golden: golden(10), trigger: "manual" as const };
    for (let i = 0; i < 3; i++) {
      const s = await executeRun(deps, request);
      expect(s).toMatchObject({ status: "completed", trials: 20 });
      expect(s.runBudget).toBeNull(); // fewer than 3 completed runs before it: no default yet
    }
    tokens = 11_000; // now $0.011 per trial: the budget of 3 × $0.001 × 20 = $0.06 is spent after 6 trials
    const s = await executeRun(deps, request);
    expect(s.runBudget).toEqual({
      usd: expect.closeTo(0.06, 10),
      source: "baseline",
      basis: "3 × median $0.00100 per trial of the last 3 completed runs × 20 trials",
    });
    expect(s.status).toBe("budget_exhausted");
    expect(s.trials).toBe(6);
    expect(s.error).toBe("run budget of $0.0600 (from the baseline) reached ($0.0660 spent): 6 of 20 trials started");
    expect(formatSummary(s)).toContain(
      "budget     run $0.0600 (no budget.run: 3 × median $0.00100 per trial of the last 3 completed runs × 20 trials)",
    );
  });
});
