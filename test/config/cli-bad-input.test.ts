import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServe } from "../helpers/serve-process.ts";

/**
 * Bad input through the real process (`node bin/goldwatch.js`): exit 2 and one line on stderr that
 * names the file and the field, never a stack trace. The messages themselves are covered case by
 * case in corpus.test.ts; this is about what reaches the terminal.
 */
const root = path.resolve(import.meta.dirname, "../..");
const corpus = (name: string) => path.join(root, "test/config/corpus", name);

function goldwatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "bin/goldwatch.js"), ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "goldwatch-cli-bad-input-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("goldwatch validate on bad input", () => {
  it("exits 2 with one line naming the file and the field, and no stack trace", async () => {
    const golden = path.join(tmp, "latin1.config.yaml");
    await writeFile(
      golden,
      `agents:\n  bot: { kind: demo }\njobs:\n  j: { agent: bot, golden: ${JSON.stringify(corpus("107-golden-latin1.yaml"))}, schedule: "@hourly" }\n`,
    );
    const cases: [string, string][] = [
      [corpus("001-alias-bomb.yaml"), "001-alias-bomb.yaml: YAML aliases expand too far"],
      [corpus("002-binary-config.yaml"), "002-binary-config.yaml: binary data (a NUL byte at byte offset 7)"],
      [golden, "107-golden-latin1.yaml: not valid UTF-8 at byte offset 40 (line 4)"],
      [corpus("051-nested-default.yaml"), 'agents.bot.model: unsupported reference "${A:-${B}}"'],
      [
        corpus("062-literal-slack-token.yaml"),
        "notify.slack.token: a literal secret; secrets come only from the environment: write token: ${SLACK_BOT_TOKEN}",
      ],
      [corpus("089-bad-timezone.yaml"), 'jobs.j.timezone: unknown time zone "Mars/Olympus_Mons"'],
      [corpus("161-alias-inside-its-anchor.yaml"), "or an alias used inside its own anchor"],
    ];
    const results = await Promise.all(cases.map(([file]) => goldwatch(["validate", "--config", file])));
    results.forEach((r, i) => {
      const [, expected] = cases[i]!;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^goldwatch: invalid configuration: /);
      expect(lines[0]).toContain(expected);
      expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
    });
    // The literal token is not printed back.
    expect(results[4]!.stderr).not.toContain("xoxb-1234");
  }, 90_000);

  it("--json lists the issue for scripts, with the same exit code", async () => {
    const r = await goldwatch(["validate", "--json", "--config", corpus("001-alias-bomb.yaml")]);
    expect(r.code).toBe(2);
    const body = JSON.parse(r.stdout) as { ok: boolean; issues: { file: string; path: string; message: string }[] };
    expect(body.ok).toBe(false);
    expect(body.issues).toHaveLength(1);
    expect(body.issues[0]!.message).toContain("YAML aliases expand too far");
  }, 60_000);
});

describe("goldwatch serve on a busy port", () => {
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it("exits 2 with one line that names the port and the fix", async () => {
    const config = path.join(tmp, "busy.config.yaml");
    await writeFile(path.join(tmp, "g.yaml"), "name: g\ncases:\n  - { id: a, input: hi, expected: hi }\n");
    await writeFile(
      config,
      `data_dir: busy-data\nagents:\n  bot: { kind: demo }\njobs:\n  j: { agent: bot, golden: g.yaml, schedule: "@yearly" }\nserver: { port: ${port} }\n`,
    );
    const serve = startServe({ config, cwd: tmp });
    try {
      expect(await serve.exited).toBe(2);
    } finally {
      serve.kill("SIGKILL");
    }
    const lines = serve.stderr().trimEnd().split("\n");
    expect(lines, serve.stderr()).toHaveLength(1);
    expect(lines[0]).toBe(
      `goldwatch serve: port ${port} is already in use (another goldwatch, or another program, listens there); stop it, or set another port with server.port in ${config} or the PORT environment variable`,
    );
  }, 120_000);
});
