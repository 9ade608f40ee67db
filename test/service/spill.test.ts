import { readdir, readFile } from "node:fs/promises";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import type { Agent, Observation } from "../../src/agents/types.ts";
import { hashGolden, type GoldenSet } from "../../src/load/golden.ts";
import { configSchema } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { executeRun } from "../../src/engine/run.ts";
import { silentLogger } from "../../src/log.ts";
import { queryRows } from "../../src/store/db.ts";
import { runs } from "../../src/store/schema.ts";
import { replaySpilledTrials, spillTrials } from "../../src/store/spill.ts";
import type { TrialRow } from "../../src/store/trials.ts";
import { ManualClock, waitAdvancing } from "../helpers/clock.ts";
import { serverUrl } from "../helpers/db.ts";
import { serverBehindProxy } from "../helpers/tcp-proxy.ts";
import { observation } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/temp.ts";

const answer = (): Observation =>
  observation({ output: "30 days", usage: { inputTokens: 10, outputTokens: 2 }, model: "m-1", costUsd: 0.001 });

describe.skipIf(!serverUrl)("trials at a shutdown with the database down", () => {
  it("are kept on disk instead of lost, and stored from there once the database is back", async () => {
    await using outage = await serverBehindProxy();
    const { direct, proxy, database } = outage;
    const dir = await tempDir("goldwatch-spill-");

    const cases = Array.from({ length: 10 }, (_, i) => ({
      id: `c${i}`,
      input: `q${i}`,
      tags: [],
      assert: [{ type: "contains", arg: "30" }],
    }));
    const golden: GoldenSet = { name: "g", file: "g", hash: hashGolden({ name: "g", cases }), cases };
    const job = configSchema.parse({
      agents: { a: { kind: "demo" } },
      jobs: { j: { agent: "a", golden: "x", schedule: "@hourly", repeats: 10, concurrency: 1 } },
    }).jobs.j!;
    // The database goes away after the 30th trial; the service is told to stop after the 40th.
    const shutdown = new AbortController();
    const stopped = new Promise((r) => shutdown.signal.addEventListener("abort", r, { once: true }));
    // Time is the test's: the run's waits (for the database, then to spill) move only when it says so.
    const clock = new ManualClock();
    let calls = 0;
    const agent: Agent = {
      name: "a",
      call: async () => {
        calls++;
        if (calls === 30) proxy.cut();
        if (calls === 40) shutdown.abort(new Error("shutting down: shutdown_grace elapsed"));
        return answer();
      },
    };
    const spilled: string[] = [];
    const run = executeRun(
      {
        db: database.db,
        clock,
        log: silentLogger(),
        secrets: new Secrets(),
        replica: "test",
        spill: async (runId, rows) => {
          const file = await spillTrials(dir, runId, rows);
          spilled.push(file);
          proxy.restore(); // the process would exit here; the test lets the run end instead
          return file;
        },
        spillAfterMs: 300,
      },
      { jobName: "j", job, agent, golden, trigger: "schedule", signal: shutdown.signal },
    );
    let ended = false;
    void run.finally(() => (ended = true)).catch(() => undefined);
    await stopped;
    // On from the stop, a little at a time, until the run ends: spillAfterMs later its trials go to
    // disk, and the run row is written once the database is back.
    await waitAdvancing(clock, async () => ended, { limit: new Date(clock.now().getTime() + 60_000), stepMs: 10 });
    const summary = await run;
    expect(summary.status).toBe("aborted");
    expect(spilled).toHaveLength(1);
    const lines = (await readFile(spilled[0]!, "utf8")).trim().split("\n");
    // Every trial that completed is on disk (a batch whose write was under way may also have
    // reached the database as the connection came back: storing it again is idempotent).
    const stored = async () =>
      (await queryRows<{ n: number }>(direct.db, sql`select count(*)::int as n from trials where run_id = ${summary.runId}`))[0]!.n;
    expect(lines.length).toBe(40);

    const replayed = await replaySpilledTrials(direct.db, dir);
    expect(replayed).toEqual({ runs: [summary.runId], trials: 40 });
    expect(await stored()).toBe(40);
    const [row] = await direct.db.select().from(runs).where(eq(runs.id, summary.runId));
    expect(row!.trials).toBe(40); // the aborted run's counts include the replayed trials
    expect(await readdir(dir)).toEqual([]);

    // A second pass finds nothing, and replaying a file twice would not duplicate rows.
    expect(await replaySpilledTrials(direct.db, dir)).toEqual({ runs: [], trials: 0 });
  });

  it("a database already down for spillAfterMs when the run is stopped gets no second wait: the trials go to disk at once", async () => {
    await using outage = await serverBehindProxy();
    const { direct, proxy, database } = outage;
    const dir = await tempDir("goldwatch-spill-");
    const cases = Array.from({ length: 10 }, (_, i) => ({
      id: `c${i}`,
      input: `q${i}`,
      tags: [],
      assert: [{ type: "contains", arg: "30" }],
    }));
    const golden: GoldenSet = { name: "g", file: "g", hash: hashGolden({ name: "g", cases }), cases };
    const job = configSchema.parse({
      agents: { a: { kind: "demo" } },
      jobs: { j: { agent: "a", golden: "x", schedule: "@hourly", repeats: 2, concurrency: 1 } },
    }).jobs.j!;
    // Time is the test's: the run's waits (and the writer's backoff) move only when it says so.
    const clock = new ManualClock();
    let calls = 0;
    const agent: Agent = {
      name: "a",
      call: async () => {
        if (++calls === 10) proxy.cut(); // the database goes away mid-run and stays away
        return answer();
      },
    };
    const shutdown = new AbortController();
    let spilled: TrialRow[] = [];
    const run = executeRun(
      {
        db: database.db,
        clock,
        log: silentLogger(),
        secrets: new Secrets(),
        replica: "test",
        spill: async (runId, rows) => {
          spilled = rows;
          return spillTrials(dir, runId, rows);
        },
        spillAfterMs: 5_000,
      },
      { jobName: "j", job, agent, golden, trigger: "schedule", signal: shutdown.signal },
    );
    run.catch(() => undefined);
    // Every trial finished; the run waits on its writes while the database is down, for 6 s (more
    // than spillAfterMs) before the shutdown (as when shutdown_grace passes during an outage).
    await vi.waitFor(() => expect(calls).toBe(20));
    await clock.advance(6_000);
    shutdown.abort(new Error("shutting down: shutdown_grace elapsed"));
    // No more time passes: the spill must not wait another spillAfterMs.
    await vi.waitFor(() => expect(spilled.length).toBeGreaterThan(0), { timeout: 10_000 });
    expect(spilled).toHaveLength(20);
    // The run row gets the rest of its own wait (2 × spillAfterMs less the 6 s), then is left to the reaper.
    await clock.advance(4_000);
    await expect(run).rejects.toThrow(/stopped while the database was unreachable/);
    proxy.restore();
    const runId = spilled[0]!.runId;
    await replaySpilledTrials(direct.db, dir);
    const [n] = await queryRows<{ n: number }>(direct.db, sql`select count(*)::int as n from trials where run_id = ${runId}`);
    expect(Number(n!.n)).toBe(20);
  });
});
