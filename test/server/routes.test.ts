import pino from "pino";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.ts";
import { systemClock } from "../../src/clock.ts";
import { startService } from "../../src/service.ts";
import { getRun } from "../../src/store/runs.ts";
import { testDatabase } from "../helpers/db.ts";
import { captureStream } from "../helpers/fixtures.ts";
import { configYaml, loadTestConfig, startHeldAgent } from "../service/fixtures.ts";

/** A logger that keeps its lines, to check what a service logs. */
function capturedLogger() {
  const { lines, stream } = captureStream();
  return { log: pino({ level: "info" }, stream), lines };
}

describe("service HTTP", () => {
  it("/healthz, /readyz, manual trigger with a bearer token, /metrics after the run; token never logged", async () => {
    await using agent = await startHeldAgent();
    agent.release();
    // A schedule that will not fire during the test: the run here is the manual one.
    const loaded = await loadTestConfig(configYaml({ agentUrl: agent.url, job: { schedule: "0 0 1 1 *" } }));
    await using database = await testDatabase();
    const { log, lines } = capturedLogger();
    const app = createApp(loaded, database, log, systemClock);
    const token = "tok-0123456789abcdef";
    await using service = await startService(app, { env: { GOLDWATCH_API_TOKEN: token }, watch: false });
    const base = `http://127.0.0.1:${service.port}`;

    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", checks: { database: "ok", scheduler: "ok" } }]);

    expect((await fetch(`${base}/api/jobs/probe/run`, { method: "POST" })).status).toBe(401);
    const unknown = await fetch(`${base}/api/jobs/nope/run`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect([unknown.status, ((await unknown.json()) as { error: string }).error]).toEqual([404, 'unknown job "nope" (jobs: probe)']);

    const finished = new Promise((resolve) => app.events.once("run:finished", resolve));
    const res = await fetch(`${base}/api/jobs/probe/run`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; job: string; status: string };
    expect(body).toMatchObject({ job: "probe", status: "running" });
    await finished;
    await vi.waitFor(async () => expect((await getRun(database.db, body.runId))?.status).toBe("completed"), {
      timeout: 15_000,
      interval: 50,
    });
    expect(await getRun(database.db, body.runId)).toMatchObject({ trigger: "manual", job: "probe", trials: 2, passed: 2 });

    // The run ends (run:finished) before its detectors and alerts do; then the tracker lets go of it.
    await vi.waitFor(async () => expect(await (await fetch(`${base}/metrics`)).text()).toContain("goldwatch_runs_active 0"), {
      timeout: 15_000,
      interval: 50,
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('goldwatch_runs_total{job="probe",status="completed"} 1');
    expect(metrics).toContain('goldwatch_trials_total{job="probe",status="pass"} 2');
    expect(metrics).toMatch(/goldwatch_trial_latency_seconds_count\{job="probe"\} 2/);
    expect(metrics).toContain('goldwatch_run_accuracy{job="probe"} 1');
    expect(metrics).toContain("goldwatch_runs_active 0");
    expect(metrics).toContain("goldwatch_scheduled_jobs 1");
    // goldwatch's own health, read from the running service's readiness and outbox.
    expect(metrics).toMatch(/^goldwatch_ready 1$/m);
    expect(metrics).toContain('goldwatch_readiness_check{check="database"} 1');
    expect(metrics).toContain("# TYPE goldwatch_outbox_pending gauge");
    expect(metrics).toContain("process_cpu_user_seconds_total");

    await service.stop();
    expect(lines.join("")).not.toContain(token);
    expect(lines.join("")).toContain("manual run started");
  });

  it("refuses a manual run while one of the job is going (409), and answers 503 once stopping", async () => {
    await using agent = await startHeldAgent();
    const loaded = await loadTestConfig(
      configYaml({ agentUrl: agent.url, job: { schedule: "0 0 1 1 *" }, server: { shutdown_grace: "5s" } }),
    );
    await using database = await testDatabase();
    const app = createApp(loaded, database, pino({ level: "silent" }), systemClock);
    const service = await startService(app, { env: { GOLDWATCH_API_TOKEN: "tok-abcdef" }, watch: false });
    const post = () =>
      fetch(`http://127.0.0.1:${service.port}/api/jobs/probe/run`, { method: "POST", headers: { authorization: "Bearer tok-abcdef" } });
    expect((await post()).status).toBe(202);
    await agent.waitHeld(1);
    expect((await post()).status).toBe(409);
    const stopping = service.stop();
    // Readiness says not ready while draining; the held run is released and finishes.
    await vi.waitFor(async () => expect((await fetch(`http://127.0.0.1:${service.port}/readyz`)).status).toBe(503), {
      timeout: 15_000,
      interval: 50,
    });
    expect((await post()).status).toBe(503);
    agent.release();
    await stopping;
  });
});
