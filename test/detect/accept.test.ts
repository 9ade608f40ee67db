import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.ts";
import { runDetectors } from "../../src/detect/index.ts";
import { listAnnotations } from "../../src/detect/store.ts";
import { silentLogger } from "../../src/log.ts";
import { startService } from "../../src/service.ts";
import { createRng } from "../../src/stats/rng.ts";
import { storeRun } from "../alerts/setup.ts";
import { ManualClock } from "../helpers/clock.ts";
import { detectDeps } from "./helpers.ts";
import { serverUrl, testDatabase } from "../helpers/db.ts";
import { configYaml, loadTestConfig } from "../service/fixtures.ts";

const exec = promisify(execFile);
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const rng = createRng(7);
/** 10 cases × 6 trials at 90% (less `drop`). */
const cases = (drop: number) =>
  Array.from({ length: 10 }, (_, i) => {
    let passes = 0;
    for (let t = 0; t < 6; t++) if (rng.uniform() < 0.9 - drop) passes++;
    return { id: `c${i}`, passes, scored: 10 };
  });

async function detect(app: App, drop: number): Promise<string[]> {
  const job = app.loaded.config.jobs.probe!;
  const summary = await storeRun(app, { job: "probe", cases: cases(drop) });
  const findings = await runDetectors(detectDeps(app), { jobName: "probe", job, summary });
  (app.clock as ManualClock).tick(60_000);
  return findings.map((f) => f.detector);
}

describe("accepting a new level", () => {
  it("POST /api/jobs/:job/baseline/accept takes the open incident's level as the baseline; the alert stops", async () => {
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 * * * *" } }));
    const database = await testDatabase();
    cleanup.push(() => database.close());
    const clock = new ManualClock(new Date("2025-06-02T08:00:00Z"));
    const app = createApp(loaded, database, silentLogger(), clock);
    const token = "tok-accept-0123456789";
    const service = await startService(app, { env: { GOLDWATCH_API_TOKEN: token }, watch: false });
    cleanup.push(() => service.stop());
    const url = (job: string) => `http://127.0.0.1:${service.port}/api/jobs/${job}/baseline/accept`;
    const post = (job: string, auth = `Bearer ${token}`) =>
      fetch(url(job), {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({ comment: "cheaper model, on purpose", by: "ana" }),
      });

    for (let i = 0; i < 16; i++) expect(await detect(app, 0)).toEqual([]);
    // Nothing open yet: nothing to accept.
    expect((await post("probe")).status).toBe(409);

    const during: string[][] = [];
    for (let i = 0; i < 6; i++) during.push(await detect(app, 0.4));
    expect(during.flat()).toContain("drop");

    expect((await post("probe", "Bearer wrong")).status).toBe(401);
    expect((await post("nojob")).status).toBe(404);
    const res = await post("probe");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { job: string; from: string };
    expect(body.job).toBe("probe");
    // Accepting twice before the next run changes nothing.
    expect((await post("probe")).status).toBe(409);

    const [annotation] = (await listAnnotations(database.db, "probe")).filter((a) => a.kind === "baseline_accept");
    expect(annotation!.message).toContain("cheaper model, on purpose");
    expect(annotation!.message).toContain("ana");

    // At the accepted level: quiet from the next run on.
    const after: string[] = [];
    for (let i = 0; i < 12; i++) after.push(...(await detect(app, 0.4)));
    expect(after.filter((d) => d === "drop" || d === "drift")).toEqual([]);
  });

  // The command opens the embedded store whatever TEST_DATABASE_URL says: once is enough.
  it.skipIf(Boolean(serverUrl))(
    "goldwatch baseline accept: unknown job is bad input (2), no open incident is 1, with one clear line",
    async () => {
      const loaded = await loadTestConfig(configYaml());
      const bin = path.resolve("bin/goldwatch.js");
      const config = path.join(loaded.dir, "goldwatch.config.yaml");
      const run = (...args: string[]) =>
        exec(process.execPath, [bin, "baseline", ...args, "--config", config], { env: { ...process.env, GOLDWATCH_RUNTIME: "node" } }).then(
          () => ({ code: 0, stderr: "" }),
          (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
        );
      const unknown = await run("accept", "nojob");
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/unknown job "nojob"; the config has: probe/);
      const none = await run("accept", "probe");
      expect(none.code).toBe(1);
      expect(none.stderr.trim()).toBe('goldwatch baseline: job "probe" has no open accuracy incident: nothing to accept');
    },
  );
});
