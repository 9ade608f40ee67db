import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { queryRows } from "../../src/store/db.ts";
import { getRun } from "../../src/store/runs.ts";
import { listSlots } from "../../src/store/slots.ts";
import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { configYaml, GOLDEN, runningRunWithTrials, startHeldAgent } from "./fixtures.ts";

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

async function setup(server: Record<string, string>) {
  const database = await serverDatabase();
  const agent = await startHeldAgent();
  const dir = await tempFiles({
    "goldwatch.config.yaml": configYaml({ agentUrl: agent.url, database: "${DATABASE_URL}", server }),
    "golden.yaml": GOLDEN,
  });
  const serve = (runtime: "node" | "bun" = "node") => {
    const p = startServe({ config: path.join(dir, "goldwatch.config.yaml"), env: { DATABASE_URL: database.url }, runtime });
    procs.push(p);
    return p;
  };
  const runningRun = () => runningRunWithTrials(database);
  return { database, agent, serve, runningRun };
}

/** The run's slot is settled as done; a slot that came while it was held (a minute boundary) was skipped. */
async function expectOnlyThisSlotRan(db: Parameters<typeof listSlots>[0], slotAt: Date) {
  const slots = await listSlots(db, "probe");
  expect(slots.find((s) => s.slotAt.getTime() === slotAt.getTime())?.status).toBe("done");
  expect(slots.filter((s) => s.slotAt.getTime() !== slotAt.getTime()).every((s) => s.status === "skipped")).toBe(true);
}

describe.skipIf(!serverUrl)("crash safety of goldwatch serve (real processes)", () => {
  it("SIGKILL mid-run: the next start marks the run aborted, keeps its trials, and does not run the slot again", async () => {
    const { database, agent, serve, runningRun } = await setup({ heartbeat_timeout: "2s" });
    await using _agent = agent;
    await using _db = database;
    const first = serve();
    await first.port();
    await agent.waitHeld(1);
    const runId = await runningRun();
    const slotAt = (await getRun(database.db, runId))!.slotAt!;
    first.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");

    const second = serve();
    await second.port();
    const reaped = await second.waitForLog((l) => l.msg === "run aborted: its process stopped heartbeating" && l.runId === runId, 30_000);
    expect(reaped.job).toBe("probe");
    const run = await getRun(database.db, runId);
    expect(run).toMatchObject({ status: "aborted", trials: 1, passed: 1 });
    expect(run!.error).toContain("no heartbeat since");
    const [trials] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from trials where run_id = ${runId}`);
    expect(Number(trials!.n)).toBe(1);
    // No duplicate: one run for that slot, and the slot is recorded as aborted.
    const [same] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from runs where slot_at = ${slotAt.toISOString()}::timestamptz`,
    );
    expect(Number(same!.n)).toBe(1);
    const slot = (await listSlots(database.db, "probe")).find((s) => s.slotAt.getTime() === slotAt.getTime());
    expect(slot?.status).toBe("aborted");
    agent.release();
    second.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 90_000);

  it("SIGTERM mid-run: the run finishes within shutdown_grace and the process exits 0", async () => {
    const { database, agent, serve, runningRun } = await setup({ shutdown_grace: "30s" });
    await using _agent = agent;
    await using _db = database;
    const p = serve();
    await p.port();
    await agent.waitHeld(1);
    const runId = await runningRun();
    p.kill("SIGTERM");
    await p.waitForLog((l) => l.msg === "stopping: no new slots; waiting for runs");
    agent.release();
    expect(await p.exited).toBe(0);
    const run = await getRun(database.db, runId);
    expect(run).toMatchObject({ status: "completed", trials: 2, passed: 2 });
    await expectOnlyThisSlotRan(database.db, run!.slotAt!);
  }, 90_000);

  it("SIGTERM mid-run under Bun: past shutdown_grace the run is aborted and recorded, and the process exits 0", async () => {
    const { database, agent, serve, runningRun } = await setup({ shutdown_grace: "1s" });
    await using _agent = agent;
    await using _db = database;
    const p = serve("bun");
    await p.port();
    expect(p.logs.find((l) => l.msg === "goldwatch serving")?.scheduler).toBe("bun");
    await agent.waitHeld(1);
    const runId = await runningRun();
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    const run = await getRun(database.db, runId);
    expect(run).toMatchObject({ status: "aborted" });
    expect(run!.finishedAt).not.toBeNull();
    expect(run!.trials).toBeGreaterThanOrEqual(1);
    expect(p.logs.some((l) => l.msg === "runs aborted at shutdown")).toBe(true);
    await expectOnlyThisSlotRan(database.db, run!.slotAt!);
  }, 90_000);
});
