import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchema } from "../helpers/db.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { serveFolder } from "./serve-folder.ts";

/**
 * `goldwatch serve` started as users start it (`node bin/goldwatch.js serve`): goldwatch runs on
 * Bun, a child of the launcher, and stops, reloads and ends as if it had been started alone.
 */
const root = path.resolve(import.meta.dirname, "../..");
const procs: ServeProcess[] = [];
const others: ChildProcess[] = [];
const orphans: number[] = [];
const schemas: string[] = [];

afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  for (const c of others) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const pid of orphans) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Promise.all(procs.map((p) => p.exited));
  for (const s of schemas) await dropSchema(s);
});

/** The children of `pid` (Linux). */
const childrenOf = (pid: number): number[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);

describe("serve through the launcher", () => {
  it("runs on Bun and logs it; SIGHUP reloads; SIGTERM stops it cleanly, exit 0", async () => {
    const { dir, file, env } = await serveFolder(schemas);
    const serve = startServe({ config: file, cwd: dir, env, runtime: "launcher" });
    procs.push(serve);
    await serve.port();
    expect((await serve.waitForLog((l) => l.msg === "goldwatch starting")).runtime).toMatch(/^bun \d/);
    expect(serve.logs.find((l) => l.msg === "goldwatch serving")?.scheduler).toBe("bun");

    serve.kill("SIGHUP");
    await serve.waitForLog((l) => l.msg === "config reload: nothing changed" && l.reason === "SIGHUP", 20_000);

    serve.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(serve.logs.filter((l) => l.msg === "shutting down").map((l) => l.signal)).toEqual(["SIGTERM"]);
    expect(serve.logs.some((l) => l.msg === "stopped")).toBe(true);
    expect(serve.stderr()).toBe("");
  }, 120_000);

  it.runIf(process.platform === "linux")(
    "stops Bun when the launcher is killed outright (SIGKILL): goldwatch shuts down as on SIGTERM",
    async () => {
      const { dir, file, env } = await serveFolder(schemas);
      const serve = startServe({ config: file, cwd: dir, env, runtime: "launcher" });
      procs.push(serve);
      await serve.port();
      const [bun] = childrenOf(serve.child.pid!);
      orphans.push(bun!);
      const stdoutClosed = new Promise<void>((resolve) => serve.child.stdout!.on("close", () => resolve()));
      serve.kill("SIGKILL");
      expect(await serve.exited).toBe("SIGKILL");
      // The orphan holds the stdout pipe until it ends.
      await stdoutClosed;
      expect(serve.logs.find((l) => l.msg === "shutting down")?.signal).toBe("SIGTERM");
      expect(serve.logs.some((l) => l.msg === "stopped")).toBe(true);
    },
    120_000,
  );

  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.runIf(hasScript)(
    "on a terminal: the child sees the terminal (readable logs), and Ctrl-C stops it once, cleanly",
    async () => {
      const { dir, file, env } = await serveFolder(schemas);
      // `script` runs the command on a pseudo-terminal of its own and copies this test's input into it.
      const command = `exec '${process.execPath}' '${path.join(root, "bin/goldwatch.js")}' serve --config '${file}'`;
      const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TERM: "dumb", LOG_LEVEL: "info", ...env },
        stdio: ["pipe", "pipe", "pipe"],
      });
      others.push(child);
      let screen = "";
      const shown = (text: string) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`"${text}" not shown within 90 s: ${screen.slice(-2000)}`)), 90_000);
          const check = () => {
            if (!screen.includes(text)) return;
            clearTimeout(timer);
            resolve();
          };
          child.stdout.on("data", (c: Buffer) => {
            screen += c.toString();
            check();
          });
          check();
        });
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      await shown("goldwatch serving");
      child.stdin.write("\x03"); // Ctrl-C: the terminal signals its foreground group, launcher and Bun alike
      expect(await exited).toBe(0);
      const plain = screen.replace(/\u001b\[[0-9;]*m/g, "");
      // pino-pretty's lines, not JSON: the child found a terminal on its stdout.
      expect(plain).toMatch(/INFO: goldwatch starting \{"runtime":"bun /);
      expect(plain.match(/shutting down/g)).toHaveLength(1);
      expect(plain).not.toContain("second signal");
      expect(plain).toContain("stopped");
    },
    120_000,
  );
});
