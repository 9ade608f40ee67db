// `npm run bench -- runaway`: the replay must not run away itself. The issue's looping scenario:
// a loopback agent whose every reply is 40 identical tool calls and 400k tokens ($1.32 at $3/$15
// per million), a job of 40 cases × 5 repeats with budget.trial set and no budget.run, default
// concurrency, embedded PGlite. Prints what the first run spends when it stops for runaway
// against the unbounded run (every trial called under the same trial budget, no early stop), the
// ratio against the 20% target, and the runaway finding the detectors page with. Wider pools are
// printed too: until the first trials answered, no more start than the rule needs to decide.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { createHttpAgent } from "../src/agents/http.ts";
import { systemClock } from "../src/clock.ts";
import { hashGolden, type GoldenSet } from "../src/load/golden.ts";
import { agentSchema, configSchema, type HttpAgentConfig } from "../src/config/schema.ts";
import { Secrets } from "../src/config/secrets.ts";
import { detectRun } from "../src/detect/detect-run.ts";
import { historyNeeded, resolvePolicy } from "../src/detect/policy.ts";
import { finishedRunPoint, loadHistory } from "../src/detect/store.ts";
import { callWithBudget } from "../src/engine/budget.ts";
import { executeRun } from "../src/engine/run.ts";
import { silentLogger } from "../src/log.ts";
import { openDatabase } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";

const CASES = 40;
const REPEATS = 5;
const TARGET = 0.2;
const TRIAL_BUDGET = { tokens: 20_000, usd: 0.5, steps: 15 };

/** The looping agent, in this process: one canned reply, sent whole. */
async function loopingAgent(): Promise<{ url: string; calls: () => number; close(): Promise<void> }> {
  const body = JSON.stringify({
    answer: "let me search again",
    trace: Array.from({ length: 40 }, () => ({ tool: "search_kb", args: { q: "refund window" }, result: [] })),
    usage: { prompt_tokens: 390_000, completion_tokens: 10_000 },
    model: "loopy-2024-01-01",
  });
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      calls++;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/agent`,
    calls: () => calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function run(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "goldwatch-bench-runaway-"));
  const agentServer = await loopingAgent();
  const database = await openDatabase({ dataDir: path.join(dir, "pgdata") });
  try {
    await migrate(database.db);
    const cases = Array.from({ length: CASES }, (_, i) => ({
      id: `case-${i}`,
      input: `How long is the refund window? #${i}`,
      tags: [],
      assert: [{ type: "contains", arg: "30 days" }],
    }));
    const golden: GoldenSet = { name: "loop", file: "loop", hash: hashGolden({ name: "loop", cases }), cases };
    const agent = createHttpAgent(
      "looper",
      agentSchema.parse({
        kind: "http",
        url: agentServer.url,
        response: {
          output: "$.answer",
          steps: "$.trace",
          input_tokens: "$.usage.prompt_tokens",
          output_tokens: "$.usage.completion_tokens",
        },
        pricing: { input_per_mtok: 3, output_per_mtok: 15 },
      }) as HttpAgentConfig,
    );
    const jobFor = (concurrency?: number) =>
      configSchema.parse({
        agents: { a: { kind: "demo" } },
        jobs: {
          j: {
            agent: "a",
            golden: "x",
            schedule: "0 * * * *",
            repeats: REPEATS,
            ...(concurrency ? { concurrency } : {}),
            budget: { trial: TRIAL_BUDGET },
          },
        },
      }).jobs.j!;
    const total = CASES * REPEATS;

    // The unbounded run: every trial of the run, under the same trial budget, with nothing to stop it.
    let unbounded = 0;
    for (const kase of cases)
      for (let r = 0; r < REPEATS; r++) {
        const obs = await callWithBudget(
          agent,
          { input: kase.input, caseId: kase.id, trialId: `u:${kase.id}:${r}`, signal: new AbortController().signal },
          TRIAL_BUDGET,
          systemClock,
        );
        unbounded += obs.costUsd;
      }
    console.log(
      `looping agent: 40 identical tool calls and 400k tokens a reply; ${CASES} cases × ${REPEATS} repeats = ${total} trials; budget.trial ${JSON.stringify(TRIAL_BUDGET)}, no budget.run`,
    );
    console.log(`unbounded run: ${total} trials, $${unbounded.toFixed(2)}`);

    const rows: string[] = [];
    for (const concurrency of [undefined, 8, 16, 32]) {
      const job = jobFor(concurrency);
      const before = agentServer.calls();
      const summary = await executeRun(
        { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "bench" },
        { jobName: `loop-c${job.concurrency}`, job, agent, golden, trigger: "manual" },
      );
      const ratio = summary.costUsd / unbounded;
      const line = `concurrency ${String(job.concurrency).padStart(2)}${concurrency === undefined ? " (default)" : "          "}: ${summary.status}, ${summary.trials} of ${total} trials (${agentServer.calls() - before} calls), $${summary.costUsd.toFixed(2)} = ${(ratio * 100).toFixed(1)}% of unbounded`;
      if (concurrency === undefined) {
        console.log(`${line}  target ≤ ${(TARGET * 100).toFixed(0)}%: ${ratio <= TARGET ? "MET" : "NOT MET"}`);
        // What pages: the same detectors the service runs, on the stored run (no history: first run).
        const policy = resolvePolicy(job);
        const current = finishedRunPoint(summary);
        const loaded = await loadHistory(database.db, current, historyNeeded(policy));
        const finding = detectRun({ current, ...loaded, policy }).findings.find((f) => f.detector === "runaway");
        console.log(`  page: ${finding ? `[runaway] ${finding.summary}` : "NO runaway finding"}`);
        console.log(`  note: ${summary.error ?? "—"}`);
      } else rows.push(line);
    }
    console.log("wider pools (no more trials start than the rule needs, runawayCheckAfter: 2 rounds, ≥ 10, ≤ a tenth of the run):");
    for (const r of rows) console.log(`  ${r}`);
  } finally {
    await database.close();
    await agentServer.close();
    await rm(dir, { recursive: true, force: true });
  }
}
