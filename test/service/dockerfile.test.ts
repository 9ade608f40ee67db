import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { serverDatabase, serverUrl } from "../helpers/db.ts";

const root = path.resolve(import.meta.dirname, "../..");

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
async function dockerfile(): Promise<Instruction[]> {
  const text = (await readFile(path.join(root, "Dockerfile"), "utf8")).replace(/\\\n/g, " ");
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const [op, ...rest] = l.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(" ") };
    });
}

/** `KEY=value KEY2=value2` of an ENV instruction. */
function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries([...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, "")]));
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

// The Docker engine is not available here: build the image's filesystem by hand from what the
// Dockerfile copies, run its install step and its CMD, and check what the container would do.
describe("Dockerfile", () => {
  it("copies enough to install, build and serve on Bun: /healthz answers, the HEALTHCHECK passes, one scheduled run completes, SIGTERM exits 0", async () => {
    const steps = await dockerfile();
    const workdir = steps.find((s) => s.op === "WORKDIR")!.args;
    const app = await mkdtemp(path.join(tmpdir(), "goldwatch-image-"));
    const inImage = (p: string) => path.join(app, path.posix.isAbsolute(p) ? path.posix.relative(workdir, p) : p);
    let env: Record<string, string> = {};
    let cmd: string[] | undefined;
    let healthcheck: string[] | undefined;
    let user: string | undefined;
    for (const step of steps) {
      if (step.op === "ENV") env = { ...env, ...parseEnv(step.args) };
      else if (step.op === "USER") user = step.args;
      else if (step.op === "COPY") {
        const parts = step.args.split(/\s+/).filter((p) => !p.startsWith("--"));
        const dest = parts.pop()!;
        for (const src of parts) {
          const target = dest.endsWith("/") ? path.join(inImage(dest), path.basename(src)) : inImage(dest);
          await cp(path.join(root, src), target, { recursive: true });
        }
      } else if (step.op === "RUN") {
        for (const part of step.args.split("&&").map((p) => p.trim())) {
          // Not here: ownership (the test runs as whoever runs it) and cleaning the npm cache
          // (that would empty this machine's cache, which every install here reads).
          if (/^chown /.test(part) || /^npm cache clean/.test(part)) continue;
          expect(part, "the only RUN steps this test knows: npm ci, npm rebuild, npm run build, npm cache clean, chown").toMatch(
            /^npm (ci|rebuild|run build)\b/,
          );
          // From the local cache, as fast as the machine allows; the rest is the Dockerfile's.
          const install = part.replace(/^npm ci /, "npm ci --prefer-offline ");
          await promisify(execFile)("bash", ["-c", install], {
            cwd: app,
            env: { ...process.env, ...env },
            maxBuffer: 16 * 1024 * 1024,
            timeout: 240_000,
          });
        }
      } else if (step.op === "HEALTHCHECK") healthcheck = JSON.parse(step.args.slice(step.args.indexOf("CMD") + 3).trim()) as string[];
      else if (step.op === "CMD") cmd = JSON.parse(step.args) as string[];
    }
    expect(user && user !== "root" && user !== "0", "runs as a non-root user").toBe(true);
    // The shell launcher execs the package's Bun on the build (the image has no .git: never the sources).
    expect(cmd?.slice(0, 3)).toEqual(["bin/goldwatch", "serve", "--config"]);
    expect(existsSync(inImage("dist/build.json")), "the image holds a build").toBe(true);

    // The container's environment: PORT from the image (here a free one), DATABASE_URL from outside.
    const port = await freePort();
    const database = serverUrl ? await serverDatabase() : undefined;
    const runEnv = {
      PATH: process.env.PATH ?? "",
      HOME: app,
      ...env,
      PORT: String(port),
      ...(database ? { DATABASE_URL: database.url } : {}),
    };
    const child = spawn(cmd![0]!, cmd!.slice(1), { cwd: app, env: runEnv, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    const lines: Record<string, unknown>[] = [];
    let stderr = "";
    let buf = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const completed = new Promise<Record<string, unknown>>((resolve, reject) => {
      child.stdout!.on("data", (c: Buffer) => {
        buf += c.toString();
        for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
          const line = JSON.parse(buf.slice(0, nl)) as Record<string, unknown>;
          buf = buf.slice(nl + 1);
          lines.push(line);
          if (line.msg === "run finished") resolve(line);
        }
      });
      child.on("exit", (code) => reject(new Error(`serve exited ${code}: ${stderr.slice(-2000)}`)));
    });
    // The demo config's every-minute job: the slot due at start runs right away.
    const finished = await completed;
    expect(finished).toMatchObject({ job: "demo-hourly", status: "completed" });
    const started = lines.find((l) => l.msg === "slot claimed; run started");
    expect(started?.runId).toBe(finished.runId);
    expect(lines.find((l) => l.msg === "goldwatch serving")).toMatchObject({ port, scheduler: "bun" });
    expect(lines.find((l) => l.msg === "goldwatch starting")?.runtime).toMatch(/^bun \d/);

    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const check = await promisify(execFile)(healthcheck![0]!, healthcheck!.slice(1), { cwd: app, env: runEnv }).then(
      () => 0,
      (e: { code?: number }) => e.code ?? 1,
    );
    expect(check).toBe(0);

    const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // Nothing on stderr: no fallback to Node, no sources run through tsx.
    expect(stderr).toBe("");
    await database?.close();
    // The installed tree is a quarter gigabyte: kept only when the test fails.
    await rm(app, { recursive: true, force: true });
  }, 300_000);
});
