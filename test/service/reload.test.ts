import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.ts";
import { createLogger } from "../../src/log.ts";
import { cronerBackend } from "../../src/cron/backend.ts";
import { startService } from "../../src/service.ts";
import { listSlots } from "../../src/store/slots.ts";
import { ManualClock, waitAdvancing } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { configYaml, loadTestConfig, rewriteConfig } from "./fixtures.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: "info" }, stream), lines };
}

describe("config reload", () => {
  it("a valid change on disk applies at the next slot; an invalid one is logged and the last good config stays", async () => {
    const clock = new ManualClock("2026-05-01T10:00:30Z");
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 * * * *" } }));
    await using database = await testDatabase();
    const { log, lines } = capture();
    const app = createApp(loaded, database, log, clock);
    await using service = await startService(app, { env: {}, backend: cronerBackend });
    await service.jobs.idle();
    const lane = () => service.jobs.lane("probe")!.job;
    expect(lane().schedule.expr.fields).toBe("0 * * * *");

    // Valid change: every 15 minutes and 3 repeats, picked up by the file watch.
    await rewriteConfig(loaded.dir, configYaml({ job: { schedule: "*/15 * * * *", repeats: 3 } }));
    await vi.waitFor(() => expect(lane().schedule.expr.fields).toBe("*/15 * * * *"), { timeout: 10_000 });
    expect(app.loaded.config.jobs.probe!.repeats).toBe(3);
    await clock.advanceTo("2026-05-01T10:15:00Z");
    await service.jobs.idle();
    await waitAdvancing(
      clock,
      async () =>
        (await listSlots(database.db, "probe")).map((s) => `${s.slotAt.toISOString().slice(11, 16)} ${s.status}`).join() ===
        "10:00 done,10:15 done",
      {
        limit: "2026-05-01T10:15:50Z",
        stepMs: 100,
      },
    );
    // The run at the next slot used the new repeats (2 cases x 3).
    const runs = await database.db.query.runs.findMany({ orderBy: (r, { asc }) => asc(r.slotAt) });
    expect(runs.map((r) => [r.repeats, r.trials])).toEqual([
      [1, 2],
      [3, 6],
    ]);

    // Invalid change: logged with the validation error naming the file and field; nothing changes.
    await writeFile(path.join(loaded.dir, "goldwatch.config.yaml"), configYaml({ job: { schedule: "*/15 * * * * *" } }));
    await vi.waitFor(() => expect(lines.some((l) => l.msg === "config reload rejected; keeping the last good config")).toBe(true), {
      timeout: 10_000,
    });
    const rejected = lines.find((l) => l.msg === "config reload rejected; keeping the last good config")!;
    expect(String(rejected.err)).toContain("jobs.probe.schedule: expected 5 fields");
    expect(String(rejected.err)).toContain("goldwatch.config.yaml");
    expect(lane().schedule.expr.fields).toBe("*/15 * * * *");

    // A golden-set change is a change too; SIGHUP's path (reload()) applies it.
    await writeFile(
      path.join(loaded.dir, "golden.yaml"),
      "name: svc\ncases:\n  - id: only\n    input: q\n    assert:\n      - contains: ok\n",
    );
    await writeFile(path.join(loaded.dir, "goldwatch.config.yaml"), configYaml({ job: { schedule: "*/15 * * * *", repeats: 3 } }));
    const next = await service.reload("SIGHUP");
    const applied = next ?? app.loaded; // the watcher may have got there first
    expect(applied.goldens.get("probe")!.cases.map((c) => c.id)).toEqual(["only"]);
    expect(app.loaded.goldens.get("probe")!.cases.map((c) => c.id)).toEqual(["only"]);
  });

  it("removing a job stops scheduling it; adding one starts it", async () => {
    const clock = new ManualClock("2026-05-01T10:00:30Z");
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 * * * *" } }));
    await using database = await testDatabase();
    const app = createApp(loaded, database, pino({ level: "silent" }), clock);
    await using service = await startService(app, { env: {}, watch: false, backend: cronerBackend });
    expect(service.jobs.size).toBe(1);
    await rewriteConfig(loaded.dir, configYaml({ job: { schedule: "0 * * * *" } }).replace("probe:", "other:"));
    await service.reload("test");
    expect(service.jobs.lane("probe")).toBeUndefined();
    expect(service.jobs.lane("other")?.job.schedule.expr.fields).toBe("0 * * * *");
  });
});

describe("secrets across a reload", () => {
  it("a secret the reloaded config brings is redacted by the logger the service started with", async () => {
    const clock = new ManualClock("2026-05-01T10:00:30Z");
    const env: Record<string, string> = { AGENT_TOKEN: "tok-reloaded-7f3a9c" };
    const agentUrl = "http://127.0.0.1:9/agent";
    const loaded = await loadTestConfig(configYaml({ agentUrl, job: { schedule: "0 0 1 1 *" } }));
    await using database = await testDatabase();
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const app = createApp(loaded, database, createLogger({ secrets: loaded.secrets, destination: stream }), clock);
    await using service = await startService(app, { env, backend: cronerBackend, watch: false });
    const withToken = configYaml({ agentUrl, job: { schedule: "0 0 1 1 *" } }).replace(
      `url: ${agentUrl}\n`,
      `url: ${agentUrl}\n    headers:\n      Authorization: "Bearer \${AGENT_TOKEN}"\n`,
    );
    await rewriteConfig(loaded.dir, withToken);
    expect(await service.reload("test")).toBeDefined();
    app.log.info({ reply: `the agent echoed Bearer ${env.AGENT_TOKEN}` }, "probe");
    const probe = lines.find((l) => l.includes('"msg":"probe"'))!;
    expect(probe).toContain("[redacted]");
    expect(lines.join("")).not.toContain(env.AGENT_TOKEN);
  });
});
