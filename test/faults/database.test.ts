import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { getRun } from "../../src/store/runs.ts";
import { serverDatabase, serverUrl, withSearchPath } from "../helpers/db.ts";
import { startGoldwatch, type ServeProcess } from "../helpers/serve-process.ts";
import { startTcpProxy } from "../helpers/tcp-proxy.ts";
import { runningRunWithTrials } from "../service/fixtures.ts";
import { faultConfigYaml, faultService, lostTrials, startCountingAgent, storedTrialIds } from "./setup.ts";

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

describe.skipIf(!serverUrl)("faults: the database", () => {
  it("down at SIGTERM: every finished trial is spilled to disk, stored at the next start, and the run row is finalized", async () => {
    await using database = await serverDatabase();
    await using agent = await startCountingAgent(150);
    const target = new URL(serverUrl!);
    await using proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const via = new URL(serverUrl!);
    via.port = String(proxy.port);
    const { serve, spillDir } = await faultService(
      faultConfigYaml({ agentUrl: agent.url, repeats: 2, server: { shutdown_grace: "2s", heartbeat_timeout: "2s" } }),
      withSearchPath(via.toString(), database.schema),
      procs,
    );
    const first = serve();
    await first.port();
    const runId = await runningRunWithTrials(database);
    proxy.cut();
    // The run's 16 trials all finish while the database is away: the run is done but for its
    // writes when SIGTERM comes (the case: it used to wait on them until killed).
    await vi.waitFor(() => expect(agent.answered.size).toBe(16), { timeout: 20_000, interval: 50 });
    first.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(await readdir(spillDir)).toEqual([`${runId}.jsonl`]);
    expect(first.logs.some((l) => l.msg === "database unreachable at shutdown: trials kept on disk, stored when it is back")).toBe(true);

    proxy.restore();
    const second = serve(database.url);
    await second.port();
    const answered = new Set([...agent.answered].filter((t) => t.startsWith(runId)));
    await vi.waitFor(async () => expect(lostTrials(answered, await storedTrialIds(database, runId))).toEqual([]), {
      timeout: 30_000,
      interval: 250,
    });
    // The run row is finalized by the reaper (its process stopped heartbeating), with every trial counted.
    await vi.waitFor(async () => expect((await getRun(database.db, runId))?.status).toBe("aborted"), { timeout: 30_000, interval: 250 });
    await vi.waitFor(async () => expect((await getRun(database.db, runId))?.trials).toBe(16), { timeout: 10_000, interval: 250 });
    await vi.waitFor(async () => expect(await readdir(spillDir)).toEqual([]), { timeout: 10_000 });
    second.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 120_000);

  it("down at two SIGTERMs: the second skips shutdown_grace, and every finished trial is on disk or stored before the exit", async () => {
    await using database = await serverDatabase();
    await using agent = await startCountingAgent(150);
    const target = new URL(serverUrl!);
    await using proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const via = new URL(serverUrl!);
    via.port = String(proxy.port);
    const { serve, spillDir } = await faultService(
      // A grace far longer than the test: only the second signal can end the run.
      faultConfigYaml({ agentUrl: agent.url, repeats: 40, server: { shutdown_grace: "10m" } }),
      withSearchPath(via.toString(), database.schema),
      procs,
    );
    const p = serve();
    await p.port();
    const runId = await runningRunWithTrials(database);
    proxy.cut();
    const before = agent.answered.size;
    await vi.waitFor(() => expect(agent.answered.size).toBeGreaterThan(before + 8), { timeout: 20_000, interval: 50 });
    p.kill("SIGTERM");
    await p.waitForLog((l) => l.msg === "stopping: no new slots; waiting for runs");
    p.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(p.logs.some((l) => l.msg === "second signal: aborting runs now")).toBe(true);
    const answered = new Set([...agent.answered].filter((t) => t.startsWith(runId)));
    // What the database took before the cut, and the spill file, hold every finished trial.
    const spilled = (await readFile(path.join(spillDir, `${runId}.jsonl`), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { runId: string; caseId: string; repeat: number })
      .map((r) => `${r.runId}:${r.caseId}:${r.repeat}`);
    const kept = new Set([...(await storedTrialIds(database, runId)), ...spilled]);
    expect(lostTrials(answered, kept)).toEqual([]);
  }, 90_000);
});

describe.skipIf(!serverUrl)("faults: the database down when goldwatch run is interrupted", () => {
  async function interruptedRun(signals: 1 | 2) {
    await using database = await serverDatabase();
    await using agent = await startCountingAgent(100);
    const target = new URL(serverUrl!);
    await using proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const via = new URL(serverUrl!);
    via.port = String(proxy.port);
    const { dir, spillDir } = await faultService(
      faultConfigYaml({ agentUrl: agent.url, repeats: 40, server: { heartbeat_timeout: "2s" } }),
      "",
      procs,
    );
    const run = () => {
      const p = startGoldwatch(["run", "probe", "--config", path.join(dir, "goldwatch.config.yaml")], {
        env: { DATABASE_URL: withSearchPath(via.toString(), database.schema), LOG_LEVEL: "warn" },
        logsOn: "stderr",
      });
      procs.push(p);
      return p;
    };
    const p = run();
    await vi.waitFor(() => expect(agent.answered.size).toBeGreaterThan(8), { timeout: 30_000, interval: 50 });
    proxy.cut();
    const before = agent.answered.size;
    await vi.waitFor(() => expect(agent.answered.size).toBeGreaterThan(before + 8), { timeout: 20_000, interval: 50 });
    p.kill("SIGINT");
    if (signals === 2) {
      await p.waitForLog((l) => String(l.msg).startsWith("interrupted: stopping the run"));
      p.kill("SIGINT");
    }
    expect(await p.exited).toBe(1); // exited by itself, not killed by the signal
    const [file] = await readdir(spillDir);
    expect(file).toMatch(/\.jsonl$/);
    const runId = file!.slice(0, -".jsonl".length);
    expect(p.logs.some((l) => l.msg === "database unreachable at shutdown: trials kept on disk, stored when it is back")).toBe(true);
    if (signals === 2) expect(p.logs.some((l) => String(l.msg).startsWith("second signal"))).toBe(true);
    const answered = new Set([...agent.answered].filter((t) => t.startsWith(runId)));
    expect(answered.size).toBeGreaterThan(16);

    // The database is back. The next `goldwatch run` stores the spilled trials and, once the old
    // run's heartbeat is past heartbeat_timeout, marks it aborted with every trial counted.
    proxy.restore();
    agent.delayMs = 0;
    // Real processes on the wall clock: wait until the old run's last heartbeat is past heartbeat_timeout (2 s).
    await vi.waitFor(async () => expect(Date.now() - (await getRun(database.db, runId))!.heartbeatAt.getTime()).toBeGreaterThan(2_000), {
      timeout: 10_000,
      interval: 100,
    });
    const next = run();
    expect(await next.exited).toBe(0);
    expect(next.logs.some((l) => l.msg === "trials kept on disk at an earlier shutdown are stored")).toBe(true);
    expect(await readdir(spillDir)).toEqual([]);
    const stored = await storedTrialIds(database, runId);
    expect(lostTrials(answered, stored)).toEqual([]);
    expect(await getRun(database.db, runId)).toMatchObject({ status: "aborted", trials: stored.size });
  }

  it("one SIGINT: the run stops, every finished trial is kept on disk, and stored from there", () => interruptedRun(1), 90_000);

  it("two SIGINTs: the process still keeps every finished trial on disk before it exits", () => interruptedRun(2), 90_000);
});
