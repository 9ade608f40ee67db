import path from "node:path";
import { writeFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { tempFiles } from "../helpers/fixtures.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { configYaml, GOLDEN } from "./fixtures.ts";

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

describe("SIGHUP", () => {
  it("reloads the config in a running process: a valid change applies, an invalid one keeps the last good config, and the process stays up", async () => {
    // Embedded database in the temp folder; a schedule that never fires during the test.
    const dir = await tempFiles({ "goldwatch.config.yaml": configYaml({ job: { schedule: "0 0 1 1 *" } }), "golden.yaml": GOLDEN });
    const file = path.join(dir, "goldwatch.config.yaml");
    const serve = startServe({ config: file, cwd: dir });
    procs.push(serve);
    const port = await serve.port();

    serve.kill("SIGHUP");
    await serve.waitForLog((l) => l.msg === "config reload: nothing changed" && l.reason === "SIGHUP", 20_000);

    // An invalid config: the reload (by the file watch or by SIGHUP, whichever reads it first) is
    // rejected with the validation error, and the last good config stays.
    await writeFile(file, configYaml({ job: { schedule: "0 0 1 1 *", repeats: -1 } }));
    serve.kill("SIGHUP");
    const rejected = await serve.waitForLog((l) => l.msg === "config reload rejected; keeping the last good config", 20_000);
    expect(String(rejected.err)).toContain("jobs.probe.repeats");

    // A valid change applies.
    await writeFile(file, configYaml({ job: { schedule: "0 0 2 1 *" } }));
    serve.kill("SIGHUP");
    await serve.waitForLog((l) => l.msg === "config reloaded", 20_000);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    serve.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
  });
});
