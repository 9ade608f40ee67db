import { spawn, type ChildProcess } from "node:child_process";
import { chmod, cp, mkdir, readFile, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/temp.ts";

/**
 * bin/goldwatch.js, started as users start it (`node bin/goldwatch.js …`): the runtime it picks,
 * what it passes through (exit codes, signals, standard streams) and when it falls back to Node.
 * A stand-in for Bun (GOLDWATCH_BUN, a shell script that says it started as Bun does, on fd 3)
 * shows the launcher's part alone; goldwatch's own commands show the whole.
 */
const root = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(root, "bin/goldwatch.js");
const version = (JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { version: string }).version;
const bunVersion = (JSON.parse(await readFile(path.join(root, "node_modules/bun/package.json"), "utf8")) as { version: string }).version;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const launched: ChildProcess[] = [];
afterAll(() => {
  for (const c of launched) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** `node bin/goldwatch.js args` with only PATH and HOME from this environment, plus `env`. */
function launch(args: string[], opts: { env?: Record<string, string>; input?: string; bin?: string } = {}) {
  const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...opts.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  launched.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  if (opts.input !== undefined) child.stdin.end(opts.input);
  else child.stdin.end();
  const ended = new Promise<Ended>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => stdout.includes(text) && resolve();
      child.stdout.on("data", check);
      void ended.then(() => reject(new Error(`ended before printing "${text}": ${stdout} ${stderr}`)));
      check();
    });
  return { child, ended, printed };
}

/** A stand-in for the Bun binary: a shell script. `started` says "Bun runs JavaScript" first. */
async function fakeBun(body: string, started = true): Promise<string> {
  const file = path.join(await tempDir("goldwatch-fake-bun-"), "bun");
  await writeFile(file, `#!/bin/sh\n${started ? "printf 1 >&3; exec 3>&-\n" : ""}${body}\n`);
  await chmod(file, 0o755);
  return file;
}

const bunLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("goldwatch: Bun cannot run"));

describe("runtime", () => {
  it("runs under the bun package's Bun, and says so: --version prints the version and the runtime", async () => {
    const res = await launch(["--version"]).ended;
    expect(res).toMatchObject({ code: 0, stdout: `goldwatch ${version} (bun ${bunVersion})\n` });
  });

  it("runs under Node on request (GOLDWATCH_RUNTIME=node)", async () => {
    const res = await launch(["--version"], { env: { GOLDWATCH_RUNTIME: "node" } }).ended;
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`goldwatch ${version} (node ${process.versions.node})\n`);
    expect(bunLines(res.stderr)).toEqual([]);
  });

  it("GOLDWATCH_TIMING=1 prints the start-up phases on stderr", async () => {
    const res = await launch(["validate"], { env: { GOLDWATCH_TIMING: "1" } }).ended;
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(
      /^goldwatch timing: runtime start \d+ms \(launcher \d+ms \+ bun [\d.]+ \d+ms\), command modules \d+ms, config modules \d+ms, config load \d+ms/m,
    );
  });
});

describe("falls back to Node where Bun cannot run, with one line saying why", () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ["the binary is missing", async () => path.join(await tempDir("goldwatch-fake-bun-"), "bun"), /bun does not exist/],
    [
      "it is not executable",
      async () => {
        const file = await fakeBun("exit 0");
        await chmod(file, 0o644);
        return file;
      },
      /EACCES/,
    ],
    [
      "it is not a program (the bun package's install script did not run)",
      async () => {
        const file = await fakeBun("");
        await writeFile(file, "placeholder: replaced by the postinstall script\n");
        return file;
      },
      /is not a program: did the bun package's install script run\?/,
    ],
    [
      "it dies before running JavaScript (SIGILL on an old CPU)",
      () => fakeBun("kill -ILL $$", false),
      /was killed by SIGILL before running goldwatch/,
    ],
    [
      "it exits before running JavaScript",
      () => fakeBun("echo 'bun: cannot start' >&2; exit 1", false),
      /exited with code 1 before running goldwatch/,
    ],
  ];
  it.each(cases)("%s", async (_, make, reason) => {
    const res = await launch(["--version"], { env: { GOLDWATCH_BUN: await make() } }).ended;
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`goldwatch ${version} (node ${process.versions.node})\n`);
    const lines = bunLines(res.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
    expect(lines[0]).toContain("GOLDWATCH_RUNTIME=node skips trying Bun");
  });

  it("but not with GOLDWATCH_RUNTIME=bun: exit 1", async () => {
    const res = await launch(["--version"], { env: { GOLDWATCH_RUNTIME: "bun", GOLDWATCH_BUN: await fakeBun("kill -ILL $$", false) } })
      .ended;
    expect(res).toMatchObject({ code: 1, stdout: "" });
    expect(res.stderr).toMatch(/^goldwatch: GOLDWATCH_RUNTIME=bun, but Bun cannot run: .* was killed by SIGILL/);
  });

  it("and never once Bun has started: a crash after that is the command's end, mirrored", async () => {
    const res = await launch(["validate"], { env: { GOLDWATCH_BUN: await fakeBun("kill -SEGV $$") } }).ended;
    expect(res).toMatchObject({ code: null, signal: "SIGSEGV", stdout: "" });
    expect(bunLines(res.stderr)).toEqual([]);
  });
});

describe("passes through", () => {
  it("exit codes: validate 0 on the shipped config, 2 on a bad one with the problem on stderr", async () => {
    const ok = await launch(["validate", "--json"]).ended;
    expect(ok.code).toBe(0);
    // stdout piped: the JSON alone, whole.
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, jobs: [{ job: "demo-hourly", cases: 8 }] });

    const dir = await tempDir();
    await writeFile(
      path.join(dir, "goldwatch.config.yaml"),
      "agents: {}\njobs:\n  j: { agent: ghost, golden: g.yaml, schedule: '@hourly' }\n",
    );
    const bad = await launch(["validate", "--config", path.join(dir, "goldwatch.config.yaml")]).ended;
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^goldwatch: invalid configuration/);
    expect(bunLines(bad.stderr)).toEqual([]);
  });

  it("any exit code, and an end by a signal as that signal", async () => {
    expect((await launch(["x"], { env: { GOLDWATCH_BUN: await fakeBun("exit 7") } }).ended).code).toBe(7);
    const killed = await launch(["x"], { env: { GOLDWATCH_BUN: await fakeBun("kill -KILL $$") } }).ended;
    expect(killed.signal).toBe("SIGKILL");
    const termed = await launch(["x"], { env: { GOLDWATCH_BUN: await fakeBun("kill -TERM $$") } }).ended;
    expect(termed.signal).toBe("SIGTERM");
  });

  it("SIGHUP, SIGINT and SIGTERM, each once (not from a terminal here: SIGINT is passed on too)", async () => {
    const bun = await fakeBun(
      `trap 'echo got HUP' HUP; trap 'echo got INT' INT; trap 'echo got TERM; exit 0' TERM
echo ready
for i in $(seq 600); do sleep 0.05; done`, // at most half a minute, should the test fail before TERM
    );
    const p = launch([], { env: { GOLDWATCH_BUN: bun } });
    await p.printed("ready");
    p.child.kill("SIGHUP");
    await p.printed("got HUP");
    p.child.kill("SIGINT");
    await p.printed("got INT");
    p.child.kill("SIGTERM");
    const res = await p.ended;
    expect(res.code).toBe(0);
    expect(res.stdout).toBe("ready\ngot HUP\ngot INT\ngot TERM\n");
  });

  it("stdin, and the arguments as given", async () => {
    const bun = await fakeBun(`shift; printf '%s|' "$@"; cat`);
    const res = await launch(["run", "a b", "--json"], { env: { GOLDWATCH_BUN: bun }, input: "from stdin\n" }).ended;
    expect(res).toMatchObject({ code: 0, stdout: "run|a b|--json|from stdin\n" });
  });

  it.runIf(process.platform === "linux")(
    "the standard streams themselves: the child has the launcher's, nothing copies in between",
    async () => {
      const bun = await fakeBun(
        `for fd in 0 1 2; do [ "$(readlink /proc/$$/fd/$fd)" = "$(readlink /proc/$PPID/fd/$fd)" ] && echo "fd $fd shared"; done`,
      );
      const res = await launch([], { env: { GOLDWATCH_BUN: bun } }).ended;
      expect(res).toMatchObject({ code: 0, stdout: "fd 0 shared\nfd 1 shared\nfd 2 shared\n" });
    },
  );
});

describe("what it runs", () => {
  /** A package folder with this launcher, stand-ins for src/cli.ts and dist/cli.js that say which ran, and node_modules. */
  async function fakePackage(opts: { git: boolean; dist: boolean }): Promise<{ dir: string; touchSource(): Promise<void> }> {
    const dir = await tempDir();
    await mkdir(path.join(dir, "bin"));
    await cp(BIN, path.join(dir, "bin/goldwatch.js"));
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "goldwatch", type: "module" }));
    await symlink(path.join(root, "node_modules"), path.join(dir, "node_modules"));
    const says = (what: string) =>
      `export async function main(): Promise<number> {\n  process.stdout.write("${what} " + (process.versions.bun ? "bun" : "node") + "\\n");\n  return 0;\n}\n`;
    await mkdir(path.join(dir, "src"));
    await writeFile(path.join(dir, "src/cli.ts"), says("src"));
    if (opts.git) await writeFile(path.join(dir, ".git"), "gitdir: elsewhere\n");
    // Sources from two minutes ago, built a minute ago.
    const [sources, build] = [new Date(Date.now() - 120_000), new Date(Date.now() - 60_000)];
    await utimes(path.join(dir, "src/cli.ts"), sources, sources);
    await utimes(path.join(dir, "package.json"), sources, sources);
    if (opts.dist) {
      await mkdir(path.join(dir, "dist"));
      await writeFile(path.join(dir, "dist/cli.js"), says("dist").replace(": Promise<number>", ""));
      await writeFile(path.join(dir, "dist/build.json"), "{}\n");
      await utimes(path.join(dir, "dist/build.json"), build, build);
    }
    return { dir, touchSource: () => writeFile(path.join(dir, "src/cli.ts"), says("src")) };
  }
  const run = (dir: string, env: Record<string, string> = {}) => launch([], { bin: path.join(dir, "bin/goldwatch.js"), env }).ended;
  const TSX_WARNING = "goldwatch: dist/ is missing or older than src/; running the sources through tsx (slow start): npm run build\n";

  it("the build in dist/, under Bun and under Node", async () => {
    const { dir } = await fakePackage({ git: true, dist: true });
    expect(await run(dir)).toMatchObject({ code: 0, stdout: "dist bun\n", stderr: "" });
    expect(await run(dir, { GOLDWATCH_RUNTIME: "node" })).toMatchObject({ code: 0, stdout: "dist node\n", stderr: "" });
  });

  it("in a git checkout whose sources changed since the build: the sources (Bun natively; Node through tsx, with a warning)", async () => {
    const { dir, touchSource } = await fakePackage({ git: true, dist: true });
    await touchSource();
    expect(await run(dir)).toMatchObject({ code: 0, stdout: "src bun\n", stderr: "" });
    expect(await run(dir, { GOLDWATCH_RUNTIME: "node" })).toMatchObject({ code: 0, stdout: "src node\n", stderr: TSX_WARNING });
  });

  it("without a build: the sources", async () => {
    const { dir } = await fakePackage({ git: true, dist: false });
    expect(await run(dir)).toMatchObject({ code: 0, stdout: "src bun\n", stderr: "" });
    expect(await run(dir, { GOLDWATCH_RUNTIME: "node" })).toMatchObject({ code: 0, stdout: "src node\n", stderr: TSX_WARNING });
  });

  it("outside a git checkout (an installed package, the image): the build, whatever the file times", async () => {
    const { dir, touchSource } = await fakePackage({ git: false, dist: true });
    await touchSource();
    expect(await run(dir)).toMatchObject({ code: 0, stdout: "dist bun\n", stderr: "" });
  });
});
