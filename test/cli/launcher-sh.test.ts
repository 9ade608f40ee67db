import { spawn } from "node:child_process";
import { copyFile, mkdir, readFile, readlink, symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchema } from "../helpers/db.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { tempDir } from "../helpers/temp.ts";
import { serveFolder } from "./serve-folder.ts";

/**
 * bin/goldwatch, the shell launcher that `npx goldwatch`, global installs and `npm start` run: it
 * execs the pinned Bun (no Node process in between or left behind) and leaves every unusual case
 * to bin/goldwatch.js under Node.
 */
const root = path.resolve(import.meta.dirname, "../..");
const SH = path.join(root, "bin/goldwatch");
const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const bunVersion = (JSON.parse(await readFile(path.join(root, "node_modules/bun/package.json"), "utf8")) as { version: string }).version;
const procs: ServeProcess[] = [];
const schemas: string[] = [];

afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
  for (const s of schemas) await dropSchema(s);
});

function run(file: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(file, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

/**
 * An installed layout: node_modules/goldwatch (a copy of the launchers; the build and manifest
 * linked) with the bun package hoisted beside it, or absent.
 */
async function installed(withBun: boolean): Promise<string> {
  const modules = path.join(await tempDir("goldwatch-installed-"), "node_modules");
  const pkgDir = path.join(modules, "goldwatch");
  await mkdir(path.join(pkgDir, "bin"), { recursive: true });
  for (const f of ["goldwatch", "goldwatch.js"]) await copyFile(path.join(root, "bin", f), path.join(pkgDir, "bin", f));
  for (const f of ["dist", "package.json", "migrations"]) await symlink(path.join(root, f), path.join(pkgDir, f));
  if (withBun) await symlink(path.join(root, "node_modules/bun"), path.join(modules, "bun"));
  // What npm links into node_modules/.bin.
  await mkdir(path.join(modules, ".bin"));
  await symlink("../goldwatch/bin/goldwatch", path.join(modules, ".bin/goldwatch"));
  return path.join(modules, ".bin/goldwatch");
}

describe("bin/goldwatch (shell launcher)", () => {
  it("is what the package's bin and npm start run", () => {
    expect(pkg.bin.goldwatch).toBe("bin/goldwatch");
    expect(pkg.scripts.start).toMatch(/^bin\/goldwatch serve/);
  });

  it("runs goldwatch on the bun package's Bun: --version says so; exit codes are goldwatch's", async () => {
    expect(await run(SH, ["--version"])).toMatchObject({ code: 0, stdout: `goldwatch ${pkg.version} (bun ${bunVersion})\n` });
    const bad = await run(SH, ["validate", "--config", "/nonexistent/goldwatch.config.yaml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^goldwatch: /);
  });

  it("through npm's .bin link, with Bun hoisted beside goldwatch", async () => {
    expect(await run(await installed(true), ["--version"])).toMatchObject({
      code: 0,
      stdout: `goldwatch ${pkg.version} (bun ${bunVersion})\n`,
    });
  });

  it("without a Bun it can find: bin/goldwatch.js under Node, which says why", async () => {
    const res = await run(await installed(false), ["--version"]);
    expect(res).toMatchObject({ code: 0, stdout: `goldwatch ${pkg.version} (node ${process.versions.node})\n` });
    expect(res.stderr).toMatch(/^goldwatch: Bun cannot run: the bun package is not installed/);
  });

  it("GOLDWATCH_RUNTIME=node goes to Node", async () => {
    const res = await run(SH, ["--version"], { GOLDWATCH_RUNTIME: "node" });
    expect(res).toMatchObject({ code: 0, stdout: `goldwatch ${pkg.version} (node ${process.versions.node})\n` });
  });

  it.runIf(process.platform === "linux")(
    "serve: the process started is Bun itself (exec); SIGTERM reaches goldwatch, which stops cleanly, exit 0",
    async () => {
      const { dir, file, env } = await serveFolder(schemas);
      const serve = startServe({ config: file, cwd: dir, env, runtime: "sh" });
      procs.push(serve);
      await serve.port();
      expect(path.basename(await readlink(`/proc/${serve.child.pid}/exe`))).toMatch(/^bun/);
      expect((await serve.waitForLog((l) => l.msg === "goldwatch starting")).runtime).toMatch(/^bun \d/);
      serve.kill("SIGTERM");
      expect(await serve.exited).toBe(0);
      expect(serve.logs.filter((l) => l.msg === "shutting down").map((l) => l.signal)).toEqual(["SIGTERM"]);
    },
    120_000,
  );
});
