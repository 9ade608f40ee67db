// `npm run bench -- startup`: goldwatch's start-up as users see it, whole processes started the
// way the README starts them (`node bin/goldwatch.js …`: the launcher, then goldwatch on Bun),
// warm disk (untimed warm-up runs first), the median of RUNS each with min and max:
//   - `validate` on the shipped config                          target ≤ 300 ms
//   - `run demo-hourly` on the embedded store (PGlite)          target ≤ 1.5 s
//   - `run demo-hourly` on a Postgres server                    target ≤ 600 ms
//   - time to first trial on a server: from spawn to the first request a loopback agent gets
//                                                               target ≤ 400 ms
// with each command's phases (GOLDWATCH_TIMING=1, printed by src/cli.ts) and, from a probe process
// on the same runtime, what opening each database and checking its migrations cost. The server is
// GOLDWATCH_BENCH_DATABASE_URL, else TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test,
// in a schema made for the bench and dropped after. `--runs=N` changes RUNS (default 10).
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "bin/goldwatch.js");
/** What `npx goldwatch`, a global install and `npm start` run: the shell launcher, which execs Bun. */
const SH = path.join(ROOT, "bin/goldwatch");
const BUN = path.join(ROOT, "node_modules/.bin/bun");
const SERVER = process.env.GOLDWATCH_BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** One finished process: spawn to exit, spawn to the first agent request, and its phases. */
interface Sample {
  wallMs: number;
  firstRequestMs?: number;
  phases: Record<string, number>;
}

/** `goldwatch timing: runtime start 120ms (launcher 40ms + bun 1.4.5 80ms), command modules 5ms, …; total 300ms` → phases. */
function parsePhases(stderr: string): Record<string, number> {
  const line = stderr.split("\n").find((l) => l.startsWith("goldwatch timing: "));
  if (!line) return {};
  const phases: Record<string, number> = {};
  const split = /runtime start \d+ms \(launcher (\d+)ms \+ \S+ [\d.]+ (\d+)ms\)/.exec(line);
  if (split) Object.assign(phases, { launcher: Number(split[1]), "runtime start": Number(split[2]) });
  else phases["runtime start"] = Number(/runtime start (\d+)ms/.exec(line)?.[1] ?? NaN);
  for (const m of line.matchAll(/(command modules|config modules|config load|command) (\d+)ms/g)) phases[m[1]!] = Number(m[2]);
  return phases;
}

/** Starts `cmd args` once with GOLDWATCH_TIMING=1 and waits for its exit (a failure ends the bench). */
function once(cmd: string, args: string[], env: Record<string, string>, firstRequest?: { at?: number }): Promise<Sample> {
  return new Promise((resolve, reject) => {
    if (firstRequest) delete firstRequest.at;
    const start = performance.now();
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...env, GOLDWATCH_TIMING: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - start;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${stderr.slice(-2000)}`));
      const at = firstRequest?.at;
      resolve({ wallMs, phases: parsePhases(stderr), ...(at !== undefined ? { firstRequestMs: at - start } : {}) });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number) => `${Math.round(x)} ms`;

/** warm-up runs, then `runs` timed ones; prints the figure against its target and the median phases. */
async function measure(
  label: string,
  target: number | undefined,
  runs: number,
  start: () => Promise<Sample>,
  figure: (s: Sample) => number = (s) => s.wallMs,
): Promise<Sample[]> {
  await start();
  await start();
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) samples.push(await start());
  const xs = samples.map(figure);
  const m = median(xs);
  const verdict = target === undefined ? "" : `  target ≤ ${ms(target)}  ${m <= target ? "met" : `MISSED by ${ms(m - target)}`}`;
  console.log(`${label.padEnd(44)} median ${ms(m).padStart(8)}  (min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))})${verdict}`);
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.phases)))];
  if (names.length > 0) {
    const phases = names.map((n) => `${n} ${Math.round(median(samples.map((s) => s.phases[n] ?? NaN)))}`).join(", ");
    console.log(`${"".padEnd(46)}phases (median ms): ${phases}`);
  }
  return samples;
}

/** The probe, in a fresh process on Bun: module import, database open (first query), migrations check. */
async function probe(opts: { url?: string; dataDir?: string }): Promise<Record<string, number>> {
  const script = `
    const t0 = performance.now();
    const { openDatabase } = await import(${JSON.stringify(path.join(ROOT, "src/store/db.ts"))});
    const { migrate } = await import(${JSON.stringify(path.join(ROOT, "src/store/migrate.ts"))});
    const t1 = performance.now();
    const database = await openDatabase(${JSON.stringify(opts)});
    await database.ping();
    const t2 = performance.now();
    await migrate(database.db);
    const t3 = performance.now();
    await database.close();
    console.log(JSON.stringify({ "store modules": t1 - t0, "database open": t2 - t1, "migrations check": t3 - t2 }));`;
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(BUN, ["-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (c: Buffer) => (text += c.toString()));
    child.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`probe exited ${code}`))));
  });
  return JSON.parse(out) as Record<string, number>;
}

async function printProbe(opts: { url?: string; dataDir?: string }, runs: number): Promise<void> {
  const all: Record<string, number>[] = [];
  for (let i = 0; i < Math.min(runs, 5); i++) all.push(await probe(opts));
  const text = Object.keys(all[0]!)
    .map((k) => `${k} ${Math.round(median(all.map((p) => p[k]!)))}`)
    .join(", ");
  console.log(`${"".padEnd(46)}probe on Bun (median ms of ${all.length}): ${text}`);
}

/** A loopback agent that answers at once and records when its first request of each run arrives. */
async function loopbackAgent() {
  const first: { at?: number } = {};
  const server = createServer((req, res) => {
    first.at ??= performance.now();
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ output: "30 days" })));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return { first, url: `http://127.0.0.1:${port}/agent`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The server's URL with its sessions in `schema`, and a way to drop it; undefined when it does not answer. */
async function benchSchema(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const schema = `bench_startup_${Date.now().toString(36)}`;
  const sql = postgres(SERVER, { onnotice: () => {}, connect_timeout: 5, max: 1 });
  try {
    await sql.unsafe(`create schema "${schema}"`);
  } catch (e) {
    await sql.end({ timeout: 1 });
    console.log(`(no Postgres server at ${SERVER}: ${(e as Error).message}; the server figures are skipped)`);
    return undefined;
  }
  const url = new URL(SERVER);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      await sql.unsafe(`drop schema if exists "${schema}" cascade`);
      await sql.end({ timeout: 1 });
    },
  };
}

export async function run(argv: string[]): Promise<void> {
  const runs = Number(argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 10);
  const bunVersion = (JSON.parse(await readFile(path.join(ROOT, "node_modules/bun/package.json"), "utf8")) as { version: string }).version;
  console.log(`whole processes, ${runs} timed after 2 warm-up runs each: bin/goldwatch … (what npx runs), goldwatch on bun ${bunVersion}`);
  const dir = await mkdtemp(path.join(tmpdir(), "goldwatch-bench-startup-"));
  const agent = await loopbackAgent();
  const server = await benchSchema();
  try {
    await cp(path.join(ROOT, "goldwatch.config.yaml"), path.join(dir, "goldwatch.config.yaml"));
    await cp(path.join(ROOT, "golden"), path.join(dir, "golden"), { recursive: true });
    const config = path.join(dir, "goldwatch.config.yaml");
    const goldwatch = (args: string[], env: Record<string, string> = {}) => once(SH, args, env);

    console.log("\nfloor: the runtimes alone");
    await measure("node -e 0", undefined, runs, () => once("node", ["-e", "0"], {}));
    await measure("bun -e 0", undefined, runs, () => once(BUN, ["-e", "0"], {}));

    console.log("\nvalidate");
    await measure("goldwatch validate (shipped config)", 300, runs, () =>
      goldwatch(["validate", "--config", path.join(ROOT, "goldwatch.config.yaml")]),
    );
    await measure("  bun bin/goldwatch.js validate (no launcher)", undefined, runs, () => once(BUN, [BIN, "validate"], {}));
    await measure("  node bin/goldwatch.js validate (Node launcher)", undefined, runs, () => once("node", [BIN, "validate"], {}));
    await measure("  GOLDWATCH_RUNTIME=node (Node fallback)", undefined, runs, () =>
      goldwatch(["validate"], { GOLDWATCH_RUNTIME: "node" }),
    );

    console.log("\nrun demo-hourly, embedded store (8 cases × 5, demo agent 30 ms)");
    // The first warm-up creates the database (initdb): not a start-up cost.
    await measure("goldwatch run demo-hourly (PGlite)", 1500, runs, () =>
      goldwatch(["run", "demo-hourly", "--config", config], { DATABASE_URL: "" }),
    );
    await printProbe({ dataDir: path.join(dir, ".goldwatch", "pgdata") }, runs);

    if (server) {
      console.log("\non a Postgres server");
      const env = { DATABASE_URL: server.url };
      await measure("goldwatch run demo-hourly (server)", 600, runs, () => goldwatch(["run", "demo-hourly", "--config", config], env));
      await printProbe({ url: server.url }, runs);
      await writeFile(path.join(dir, "first.yaml"), 'name: first\ncases:\n  - { id: a, input: "q", expected: "30 days" }\n');
      await writeFile(
        path.join(dir, "first-trial.config.yaml"),
        `database: \${DATABASE_URL}\nagents:\n  loopback: { kind: http, url: "${agent.url}" }\njobs:\n  first:\n    agent: loopback\n    golden: first.yaml\n    schedule: "@hourly"\n    repeats: 1\nnotify: { console: true }\n`,
      );
      const args = ["run", "first", "--config", path.join(dir, "first-trial.config.yaml")];
      await measure(
        "time to first trial (spawn → agent request)",
        400,
        runs,
        () => once(SH, args, env, agent.first),
        (s) => s.firstRequestMs ?? NaN,
      );
    }
  } finally {
    await agent.close();
    await server?.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
