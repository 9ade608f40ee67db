import path from "node:path";
import { writeFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { tempFiles } from "../helpers/fixtures.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { configYaml, GOLDEN, startHeldAgent } from "../service/fixtures.ts";

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

describe("faults: an invalid config edit while a run is going (real process, embedded database)", () => {
  it("is rejected with the file and field, the run finishes every trial on the last good config, and the process stays up", async () => {
    await using agent = await startHeldAgent();
    // The slot due at start runs at once: 2 cases × 2 repeats, the `slow` ones held by the agent.
    const dir = await tempFiles({
      "goldwatch.config.yaml": configYaml({ agentUrl: agent.url, job: { repeats: 2 } }),
      "golden.yaml": GOLDEN,
    });
    const file = path.join(dir, "goldwatch.config.yaml");
    const serve = startServe({ config: file, cwd: dir });
    procs.push(serve);
    const port = await serve.port();
    await agent.waitHeld(2);

    // Saved by an editor mid-run: picked up by the file watch, refused, and the run goes on.
    await writeFile(file, configYaml({ agentUrl: agent.url, job: { repeats: -1 } }));
    const rejected = await serve.waitForLog((l) => l.msg === "config reload rejected; keeping the last good config", 20_000);
    expect(String(rejected.err)).toContain("jobs.probe.repeats");
    expect(String(rejected.err)).toContain("goldwatch.config.yaml");

    agent.release();
    const finished = await serve.waitForLog((l) => l.msg === "run finished", 30_000);
    // Zero lost trials: all four stored and counted, on the config the run started with.
    expect(finished).toMatchObject({ status: "completed", trials: 4 });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(serve.logs.filter((l) => l.msg === "unhandled rejection" || l.msg === "uncaught exception")).toEqual([]);
    serve.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
  }, 90_000);
});
