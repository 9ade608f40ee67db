import { execFile } from "node:child_process";
import { cp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { count, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows } from "../../src/store/db.ts";
import { runs, trials } from "../../src/store/schema.ts";
import { tempFiles } from "../helpers/fixtures.ts";

const exec = promisify(execFile);
const BIN = path.resolve("bin/goldwatch.js");

async function goldwatch(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], {
      env: { ...process.env, DATABASE_URL: "", ...env },
      maxBuffer: 10 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** The shipped example, copied into a temp folder so its embedded database lands there. */
async function shippedExample(): Promise<string> {
  const dir = await tempFiles({});
  await cp(path.resolve("goldwatch.config.yaml"), path.join(dir, "goldwatch.config.yaml"));
  await cp(path.resolve("golden"), path.join(dir, "golden"), { recursive: true });
  return dir;
}

describe("goldwatch CLI", () => {
  // One example folder for the run tests: creating an embedded database takes seconds.
  let dir: string;
  beforeAll(async () => {
    dir = await shippedExample();
  });

  it("run --json replays the shipped golden set against the demo agent and stores the run", async () => {
    const res = await goldwatch(["run", "demo-hourly", "--json", "--config", path.join(dir, "goldwatch.config.yaml")]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary).toMatchObject({ job: "demo-hourly", agent: "demo-bot", status: "completed", cases: 8, repeats: 5, trials: 40 });
    expect(summary.accuracy.low).toBeLessThanOrEqual(summary.accuracy.estimate);
    expect(summary.accuracy.high).toBeGreaterThanOrEqual(summary.accuracy.estimate);
    expect(summary.perCase).toHaveLength(8);
    expect(summary.latency.p95Ms).toBeGreaterThan(0);
    expect(summary.costUsd).toBeGreaterThan(0);

    await using database = await openDatabase({ dataDir: path.join(dir, ".goldwatch", "pgdata") });
    const [r] = await database.db.select({ n: count() }).from(runs);
    const [t] = await database.db.select({ n: count() }).from(trials);
    expect(Number(r!.n)).toBe(1);
    expect(Number(t!.n)).toBe(40);
    // The run created this month's partition first: no trial waits in the default partition.
    const stray = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from trials_default`);
    expect(stray[0]!.n).toBe(0);
  });

  it("run prints a readable summary with the interval and per-case pass rates", async () => {
    const res = await goldwatch(["run", "demo-hourly", "--config", path.join(dir, "goldwatch.config.yaml")]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/accuracy\s+\d+\.\d% {2}95% CI \[\d+\.\d%, \d+\.\d%\]/);
    expect(res.stdout).toMatch(/latency\s+p50 .* p95 /);
    expect(res.stdout).toContain("refund-window");
  });

  it("an alert fires on the console when the demo agent is degraded", async () => {
    const res = await goldwatch(["run", "demo-hourly", "--json", "--config", path.join(dir, "goldwatch.config.yaml")], {
      DEMO_QUALITY: "0.2",
    });
    const summary = JSON.parse(res.stdout);
    expect(summary.accuracy.high).toBeLessThan(0.85);
    expect(summary.findings.map((f: { detector: string }) => f.detector)).toContain("threshold");
  });

  it("validate reports every problem with file, field and expectation, and exits 2", async () => {
    const bad = await shippedExample();
    const file = path.join(bad, "goldwatch.config.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("repeats: 5", "repeats: -1").replace("agent: demo-bot", "agent: ghost"));
    const res = await goldwatch(["validate", "--config", file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`${file}: jobs.demo-hourly.repeats:`);
    expect(res.stderr).toContain(`${file}: jobs.demo-hourly.agent: unknown agent "ghost"`);
  });

  it("validate --json says ok for the shipped example", async () => {
    const res = await goldwatch(["validate", "--json"]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ ok: true, jobs: [{ job: "demo-hourly", cases: 8 }] });
  });

  it("an unknown job is a clear error", async () => {
    const res = await goldwatch(["run", "nope"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown job "nope"');
  });
});
