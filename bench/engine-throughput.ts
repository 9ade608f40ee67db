// Engine throughput: 100,000 trials (40 cases × 2,500 repeats) with scoring and storage on,
// against a local agent that answers at once, next to a bare HTTP loop with the same
// concurrency (the ceiling). Prints trials/s, the ratio, peak RSS and RSS as the run grows.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { sql } from "drizzle-orm";
import { createHttpAgent } from "../src/agents/http.ts";
import { systemClock } from "../src/clock.ts";
import { hashGolden, type GoldenSet } from "../src/load/golden.ts";
import { agentSchema, configSchema, type HttpAgentConfig } from "../src/config/schema.ts";
import { Secrets } from "../src/config/secrets.ts";
import { executeRun } from "../src/engine/run.ts";
import { Events } from "../src/engine/events.ts";
import { silentLogger } from "../src/log.ts";
import { openDatabase } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";
import { rawFetch, rawLoop } from "./raw-http-loop.ts";

const CASES = Number(process.env.BENCH_CASES ?? 40);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2500);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const LIVE_HEAP = process.env.BENCH_LIVE_HEAP === "1";
/** `--raw-client`: the engine's agent calls go through bench/raw-http-loop.ts instead of fetch (what a cheaper client would buy). */
const RAW_CLIENT = process.argv.includes("--raw-client");
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/**
 * CPU seconds of the main (JS) thread so far, from /proc (Linux): less noisy than throughput on a
 * shared machine, and what the engine's own work costs per trial. Undefined elsewhere.
 */
function mainThreadCpu(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ ticks
  } catch {
    return undefined;
  }
}

/** Main-thread and whole-process CPU per unit of work done by `fn`, in µs. */
async function cpuPer<T>(units: () => number, fn: () => Promise<T>): Promise<{ result: T; mainUs?: number; processUs: number }> {
  const main0 = mainThreadCpu();
  const proc0 = process.cpuUsage();
  const result = await fn();
  const main1 = mainThreadCpu();
  const proc = process.cpuUsage(proc0);
  const n = units();
  return {
    result,
    ...(main0 !== undefined && main1 !== undefined ? { mainUs: ((main1 - main0) * 1e6) / n } : {}),
    processUs: (proc.user + proc.system) / n,
  };
}
const us = (c: { mainUs?: number; processUs: number }) =>
  `${c.mainUs !== undefined ? `main thread ${c.mainUs.toFixed(0)} µs, ` : ""}whole process ${c.processUs.toFixed(0)} µs`;

async function startAgent(): Promise<{ url: string; stop(): void }> {
  // The agent is this runtime's own child (on Node with tsx's loader, not through npx), so stop()
  // ends it: an agent left running holds the pipe and the bench never exits.
  const bun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const args = bun ? ["bench/echo-agent.ts"] : ["--import", "tsx", "bench/echo-agent.ts"];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once("line", resolve));
  return { url: `http://127.0.0.1:${line.trim()}/agent`, stop: () => child.kill() };
}

async function bareLoop(url: string, n: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ message: `q${i}` }),
      });
      await res.json();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return n / ((performance.now() - started) / 1000);
}

export async function run(): Promise<void> {
  const agent = await startAgent();
  const dir = await mkdtemp(path.join(tmpdir(), "goldwatch-bench-"));
  // BENCH_DATABASE_URL measures against a Postgres server instead of the embedded database.
  const serverUrl = process.env.BENCH_DATABASE_URL;
  const schema = `bench_${Date.now()}`;
  const database = serverUrl ? await openDatabase({ url: serverUrl, schema }) : await openDatabase({ dataDir: path.join(dir, "pgdata") });
  try {
    await migrate(database.db);
    const openRss = process.memoryUsage().rss;
    const total = CASES * REPEATS;
    console.log(
      `runtime ${typeof (globalThis as { Bun?: { version: string } }).Bun !== "undefined" ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}` : `node ${process.version}`}, ${CASES} cases × ${REPEATS} repeats = ${total.toLocaleString("en-US")} trials, concurrency ${CONCURRENCY}, ${serverUrl ? "Postgres server" : "embedded PGlite on disk"}`,
    );

    await bareLoop(agent.url, 2_000); // warm up connections and JIT
    const ceilingN = Math.min(total, 50_000);
    const before = await cpuPer(
      () => ceilingN,
      () => bareLoop(agent.url, ceilingN),
    );

    const cases = Array.from({ length: CASES }, (_, i) => ({
      id: `case-${i}`,
      input: `How long is the refund window? #${i}`,
      tags: [],
      assert: [
        { type: "contains", arg: "30 days" },
        { type: "not_icontains", arg: "guarantee" },
        { type: "max_latency_ms", arg: 5000 },
      ],
    }));
    const golden: GoldenSet = { name: "bench", file: "bench", hash: hashGolden({ name: "bench", cases }), cases };
    const job = configSchema.parse({
      agents: { a: { kind: "demo" } },
      jobs: { j: { agent: "a", golden: "x", schedule: "@hourly", repeats: REPEATS, concurrency: CONCURRENCY } },
    }).jobs.j!;
    const cfg = agentSchema.parse({
      kind: "http",
      url: agent.url,
      body: { message: "{{input}}" },
      response: { output: "$.answer", input_tokens: "$.usage.in", output_tokens: "$.usage.out", model: "$.model" },
      pricing: { input_per_mtok: 3, output_per_mtok: 15 },
    }) as HttpAgentConfig;

    const events = new Events();
    let done = 0;
    let peak = 0;
    const checkpoints: string[] = [];
    const marks = new Set([0.1, 0.25, 0.5, 0.75, 1].map((f) => Math.round(total * f)));
    let lastTrialAt = 0;
    let paused = 0;
    events.on("trial:finished", () => {
      done++;
      lastTrialAt = performance.now();
      if (marks.has(done)) {
        // RSS as the process sees it, and the JS heap: a lazy collector lets RSS drift up; a leak
        // shows as a growing live heap. A full collection first (BENCH_LIVE_HEAP=1) shows the live
        // heap exactly, but it stops the engine for tens of ms each time (a quarter of a 20k-trial
        // run's time in one profile): off by default, and its pauses are left out of the figures.
        const rss = process.memoryUsage().rss;
        const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
        const pauseAt = performance.now();
        if (LIVE_HEAP) bun?.gc(true);
        paused += performance.now() - pauseAt;
        checkpoints.push(
          `${done.toLocaleString("en-US")}: rss ${mb(rss)}, ${LIVE_HEAP ? "live heap" : "heap"} ${mb(process.memoryUsage().heapUsed)}`,
        );
      }
    });
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    const engine = await cpuPer(
      () => done,
      () =>
        executeRun(
          { db: database.db, clock: systemClock, log: silentLogger(), secrets: new Secrets(), replica: "bench", events },
          { jobName: "bench", job, agent: createHttpAgent("echo", cfg, RAW_CLIENT ? { fetch: rawFetch() } : {}), golden, trigger: "manual" },
        ),
    );
    const summary = engine.result;
    const finishedAt = performance.now();
    const seconds = (finishedAt - started - paused) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const rate = summary.trials / seconds;
    // The ceiling drifts by a third between minutes on a shared machine: measured before and after
    // the engine, and the mean taken, so a lucky or unlucky moment does not decide the ratio.
    const after = await cpuPer(
      () => ceilingN,
      () => bareLoop(agent.url, ceilingN),
    );
    const ceiling = (before.result + after.result) / 2;
    const raw = await cpuPer(
      () => ceilingN,
      () => rawLoop(agent.url, ceilingN, CONCURRENCY),
    );
    console.log(
      `bare HTTP loop (ceiling): ${ceiling.toFixed(0)} req/s (${before.result.toFixed(0)} before the engine, ${after.result.toFixed(0)} after)`,
    );
    console.log(`CPU per request, bare loop: ${us(after)}; per trial, engine: ${us(engine)}`);
    if (raw.result !== undefined)
      console.log(
        `the same requests through raw sockets (a minimal HTTP/1.1 client, bench/raw-http-loop.ts, not fetch): ${raw.result.toFixed(0)} req/s, ${us(raw)} per request`,
      );
    console.log(
      `engine with scoring + storage${RAW_CLIENT ? " (agent calls through raw sockets, --raw-client)" : ""}: ${rate.toFixed(0)} trials/s (${summary.trials.toLocaleString("en-US")} trials in ${seconds.toFixed(1)} s, accuracy ${summary.accuracy?.estimate})`,
    );
    console.log(`ratio: ${((rate / ceiling) * 100).toFixed(0)}% of the ceiling (target under Bun: ≥ ${serverUrl ? 70 : 60}%)`);
    console.log(
      `of the ${seconds.toFixed(1)} s: trials ${((lastTrialAt - started - paused) / 1000).toFixed(2)} s, then finishing the run (its aggregates were tallied as trials finished; the last batch stored, the run's row written) ${((finishedAt - lastTrialAt) / 1000).toFixed(2)} s`,
    );
    console.log(
      `peak RSS: ${mb(peak)} (target ≤ ${serverUrl ? 200 : 300} MB); after opening the database, before any trial: ${mb(openRss)}`,
    );
    console.log(`RSS by trials done: ${checkpoints.join(", ")}`);
  } finally {
    agent.stop();
    if (serverUrl) await database.db.execute(sql.raw(`drop schema ${schema} cascade`));
    await database.close();
    await rm(dir, { recursive: true, force: true });
  }
}
