import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli.ts";
import { createApp } from "../../src/app.ts";
import { gateDeps } from "../../src/commands/gate.ts";
import { loadConfig } from "../../src/load/load.ts";
import { listAnnotations } from "../../src/detect/store.ts";
import { GateInputError, runGate } from "../../src/gate/run-gate.ts";
import { silentLogger } from "../../src/log.ts";
import { runs } from "../../src/store/schema.ts";
import type { FakeServer } from "../helpers/agent-server.ts";
import { serverDatabase, serverUrl, testDatabase } from "../helpers/db.ts";
import { CASES, gateFiles, startAgent } from "./fixtures.ts";

const exec = promisify(execFile);
const BIN = path.resolve("bin/goldwatch.js");

describe("goldwatch gate against two real HTTP agents", () => {
  const arrivals: string[] = [];
  const servers: FakeServer[] = [];
  let database: Awaited<ReturnType<typeof testDatabase>>;

  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await database.close();
  });

  async function setup(wrong: string[], opts: { repeats?: number; concurrency?: number } = {}) {
    arrivals.length = 0;
    const incumbent = await startAgent("incumbent", new Set(), arrivals);
    const candidate = await startAgent("candidate", new Set(wrong), arrivals);
    servers.push(incumbent, candidate);
    const file = await gateFiles(incumbent, candidate, opts);
    const app = createApp(await loadConfig(file, { env: {} }), database, silentLogger());
    return { app, file, incumbent, candidate };
  }

  it("fails a candidate that gets half the cases wrong, after interleaving both agents' trials", async () => {
    const { app, incumbent, candidate } = await setup(CASES.slice(0, 5));
    const r = await runGate(gateDeps(app), { jobName: "support", candidate: "candidate-bot" });
    expect(r.verdict.decision).toBe("fail");
    expect(r.verdict.difference).toBeCloseTo(-0.5, 12);
    expect(r.verdict).toMatchObject({ cases: 10, repeats: 3, method: "paired-t" });
    expect(r.incumbent.agent).toBe("incumbent-bot");
    expect(incumbent.requests).toHaveLength(30);
    expect(candidate.requests).toHaveLength(30);
    // Lockstep with concurrency 1: neither agent ever gets more than one trial ahead.
    let lead = 0;
    for (const who of arrivals) {
      lead += who === "incumbent" ? 1 : -1;
      expect(Math.abs(lead)).toBeLessThanOrEqual(1);
    }
    // The candidate's replies cost twice the input tokens: the price comparison sees it.
    expect(r.cost.costRatio).toBeGreaterThan(1.3);
    expect(r.cost.costDifference!.low).toBeGreaterThan(0);
    // Both runs are stored as gate runs; the verdict is an annotation on the job's timeline.
    const stored = await database.db
      .select({ agent: runs.agent, trigger: runs.trigger, status: runs.status })
      .from(runs)
      .where(and(eq(runs.job, "support"), eq(runs.trigger, "gate")));
    expect(stored.map((s) => s.agent).sort()).toEqual(["candidate-bot", "incumbent-bot"]);
    const notes = await listAnnotations(database.db, "support");
    expect(notes.at(-1)).toMatchObject({ kind: "gate", runId: r.candidate.runId });
  });

  it("passes a candidate that is as good, and is inconclusive when one case of ten differs", async () => {
    const same = await setup([]);
    // 30 passing trials per agent rule out a 10-point loss, not a 3-point one: identical results
    // get the binomial floor's interval (about ±5 points here), never a zero-width "certain".
    const identical = await runGate(gateDeps(same.app), { jobName: "support", candidate: "candidate-bot", margin: 0.1 });
    expect(identical.verdict).toMatchObject({ decision: "pass", varianceFloor: true });
    expect(identical.verdict.interval.low).toBeLessThan(-0.04);
    const close = await setup(["case-0"], { concurrency: 3 });
    const r = await runGate(gateDeps(close.app), { jobName: "support", candidate: "candidate-bot", repeats: 2 });
    expect(r.verdict.decision).toBe("inconclusive");
    expect(r.verdict.repeats).toBe(2);
    // One case always wrong is a case effect (ω²): more repeats cannot shrink it, only more cases.
    expect(r.verdict.repeatsToDecide).toBeNull();
  });

  it("refuses unknown agents and bad margins as input errors", async () => {
    const { app } = await setup([]);
    await expect(runGate(gateDeps(app), { jobName: "support", candidate: "ghost" })).rejects.toThrow(GateInputError);
    await expect(runGate(gateDeps(app), { jobName: "support", candidate: "candidate-bot", margin: 3 })).rejects.toThrow(/--margin/);
    await expect(runGate(gateDeps(app), { jobName: "nope", candidate: "candidate-bot" })).rejects.toThrow(/unknown job "nope"/);
  });

  it("exits 1 with JSON and a JUnit report from the CLI", async () => {
    const { file } = await setup(CASES.slice(0, 5));
    const env: Record<string, string> = { ...process.env, DATABASE_URL: "", LOG_LEVEL: "silent" } as Record<string, string>;
    if (serverUrl) env.GW_TEST_DATABASE = (await serverDatabase()).url;
    const junit = path.join(path.dirname(file), "gate.xml");
    const run = async (args: string[]) => {
      try {
        const { stdout, stderr } = await exec(process.execPath, [BIN, ...args, "--config", file], { env });
        return { code: 0, stdout, stderr };
      } catch (e) {
        return e as { code: number; stdout: string; stderr: string };
      }
    };
    const res = await run(["gate", "support", "--candidate", "candidate-bot", "--json", "--junit", junit]);
    expect(res.code).toBe(1);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      ok: true,
      decision: "fail",
      exitCode: 1,
      incumbent: { agent: "incumbent-bot" },
      candidate: { agent: "candidate-bot" },
    });
    const xml = await readFile(junit, "utf8");
    expect(xml).toContain('<testsuites name="goldwatch gate" tests="3" failures="1"');
    expect(xml).toMatch(/<failure type="fail" message="candidate − incumbent −50\.0 points, 90% interval \[−80\.6, −19\.4\]/);
  });

  it("exits 3, not the CLI's usual 2 (inconclusive here), on bad input", async () => {
    const { file } = await setup([]);
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const gate = (...args: string[]) => main(["gate", "support", ...args, "--config", file]);
      expect(await gate("--candidate", "ghost")).toBe(3);
      expect(String(stderr.mock.calls.at(-1)![0])).toContain('unknown candidate agent "ghost"');
      expect(await gate("--candidate", "candidate-bot", "--margin", "lots")).toBe(3);
      expect(String(stderr.mock.calls.at(-1)![0])).toContain("--margin expects a number");
      expect(await gate("--candidate", "candidate-bot", "--bogus")).toBe(3);
      expect(await gate()).toBe(3);
      expect(
        await main(["gate", "support", "--candidate", "candidate-bot", "--config", path.join(path.dirname(file), "missing.yaml")]),
      ).toBe(3);
    } finally {
      stderr.mockRestore();
    }
  });
});
