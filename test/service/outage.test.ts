import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { getRun } from "../../src/store/runs.ts";
import { serverDatabase, serverUrl, withSearchPath } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";
import { configYaml, GOLDEN, runningRunWithTrials, startHeldAgent } from "./fixtures.ts";

// The figure: the database is unreachable for 30 s while a run is going.
const OUTAGE_MS = 30_000;

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

const ready = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;

describe.skipIf(!serverUrl)("database outage (real process behind a TCP proxy)", () => {
  it("stays up, says not ready, recovers by itself, and loses no completed trial", async () => {
    await using database = await serverDatabase();
    await using agent = await startHeldAgent();
    const target = new URL(serverUrl!);
    await using proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(serverUrl!);
    viaProxy.port = String(proxy.port);
    const dir = await tempFiles({
      "goldwatch.config.yaml": configYaml({ agentUrl: agent.url, database: "${DATABASE_URL}", job: { repeats: 5 } }),
      "golden.yaml": GOLDEN,
    });
    const p = startServe({
      config: path.join(dir, "goldwatch.config.yaml"),
      env: { DATABASE_URL: withSearchPath(viaProxy.toString(), database.schema) },
    });
    procs.push(p);
    const port = await p.port();
    // Five `slow` trials are held; the five `fast` ones are stored.
    await agent.waitHeld(1);
    const runId = await runningRunWithTrials(database);
    expect(await ready(port)).toBe(200);

    proxy.cut();
    const cutAt = Date.now();
    // The held trials complete during the outage: their writes must wait, not be dropped.
    agent.release();
    await vi.waitFor(async () => expect(await ready(port)).toBe(503), { timeout: 15_000, interval: 250 });
    const notReady = (await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()) as { checks: Record<string, string> };
    expect(notReady.checks.database).toMatch(/^unreachable/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    expect(p.child.exitCode).toBeNull();
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(await ready(port)).toBe(503);

    proxy.restore();
    await vi.waitFor(async () => expect(await ready(port)).toBe(200), { timeout: 30_000, interval: 250 });
    await vi.waitFor(async () => expect((await getRun(database.db, runId))?.status).toBe("completed"), { timeout: 30_000, interval: 250 });
    // Every trial of the run is stored: 2 cases x 5 repeats.
    expect(await getRun(database.db, runId)).toMatchObject({ status: "completed", trials: 10, passed: 10 });
    expect(p.logs.some((l) => String(l.msg).includes("failed; retrying"))).toBe(true);
    expect(p.logs.filter((l) => l.msg === "unhandled rejection" || l.msg === "uncaught exception")).toEqual([]);
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 120_000);
});
