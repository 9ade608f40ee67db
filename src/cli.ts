import { parseArgs } from "node:util";
import pkg from "../package.json" with { type: "json" };
import type { Command, StandaloneCommand } from "./commands/types.ts";
import { ConfigError } from "./config/errors.ts";

/**
 * Every `goldwatch <command>`; each lives in src/commands/ and is loaded only when named, since a
 * command's modules (the database driver, the engine, the HTTP server) are most of the start-up.
 */
const COMMANDS: Record<string, () => Promise<Command | StandaloneCommand>> = {
  serve: async () => (await import("./commands/serve.ts")).serveCommand,
  run: async () => (await import("./commands/run.ts")).runCommand,
  validate: async () => (await import("./commands/validate.ts")).validateCommand,
  migrate: async () => (await import("./commands/migrate.ts")).migrateCommand,
  report: async () => (await import("./commands/report.ts")).reportCommand,
  silence: async () => (await import("./commands/silence.ts")).silenceCommand,
  gate: async () => (await import("./commands/gate.ts")).gateCommand,
  baseline: async () => (await import("./commands/baseline.ts")).baselineCommand,
  import: async () => (await import("./commands/import.ts")).importCommand,
  shadow: async () => (await import("./commands/shadow.ts")).shadowCommand,
  samples: async () => (await import("./commands/samples.ts")).samplesCommand,
};

/** "bun 1.4.5" or "node 20.20.2": the runtime this process is on (bin/goldwatch.js chooses it). */
export const runtime = (): string => (process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.versions.node}`);

/** The help text: loads every command for its summary (only asked for, or after a mistake). */
async function usage(): Promise<string> {
  const commands = await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, await load()] as const));
  const width = Math.max(...commands.map(([name]) => name.length));
  const lines = commands.map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `goldwatch — scheduled health checks for production AI agents

usage: goldwatch <command> [options]

commands:
${lines.join("\n")}

options:
  --config <file>    config file (default goldwatch.config.yaml)
  --json             print machine-readable JSON instead of text
  -h, --help         show this help
  --version          print the version and the runtime (bun or node)
`;
}

/**
 * With GOLDWATCH_TIMING=1, the start-up phases on stderr: from the process start (the launcher's,
 * when bin/goldwatch.js started this process on Bun: GOLDWATCH_LAUNCHED_AT is its start and the
 * child's spawn) to the command's own work.
 */
function phaseTimer(): { mark(phase: string): void; done(): void } {
  if (process.env.GOLDWATCH_TIMING !== "1") return { mark() {}, done() {} };
  const now = () => performance.timeOrigin + performance.now();
  const [launched = performance.timeOrigin, spawned] = (process.env.GOLDWATCH_LAUNCHED_AT ?? "").split(",").filter(Boolean).map(Number);
  const ms = (from: number, to = now()) => `${Math.round(to - from)}ms`;
  const split = spawned ? `launcher ${ms(launched, spawned)} + ${runtime()} ${ms(spawned)}` : runtime();
  const phases: string[] = [`runtime start ${ms(launched)} (${split})`];
  let last = now();
  return {
    mark(phase) {
      phases.push(`${phase} ${Math.round(now() - last)}ms`);
      last = now();
    },
    done() {
      process.stderr.write(`goldwatch timing: ${phases.join(", ")}; total ${Math.round(now() - launched)}ms\n`);
    },
  };
}

/** Exit codes: 0 ok, 1 the run failed or was aborted, 2 bad input (config, arguments); commands may add their own (gate: 0 pass, 1 fail, 2 inconclusive, 3 error or bad input). */
export async function main(argv: string[]): Promise<number> {
  const timer = phaseTimer();
  const name = argv.find((a) => !a.startsWith("-"));
  const command = name && Object.hasOwn(COMMANDS, name) ? await COMMANDS[name]!() : undefined;
  timer.mark("command modules");
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", default: "goldwatch.config.yaml" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", default: false },
        ...(command?.options ?? {}),
      },
    });
  } catch (e) {
    process.stderr.write(`goldwatch: ${(e as Error).message}\n\n${await usage()}`);
    return command?.badInputExit ?? 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`goldwatch ${pkg.version} (${runtime()})\n`);
    return 0;
  }
  if (values.help || !name) {
    process.stdout.write(await usage());
    return values.help ? 0 : 2;
  }
  if (!command) {
    process.stderr.write(`goldwatch: unknown command "${name}"\n\n${await usage()}`);
    return 2;
  }
  const json = values.json === true;
  const rest = { args: positionals.slice(1), options: values as Record<string, string | boolean | undefined>, json };
  if (command.standalone) return command.run(rest);
  let loaded;
  try {
    const { loadConfig } = await import("./load/load.ts");
    timer.mark("config modules");
    loaded = await loadConfig(String(values.config));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, issues: e.issues }, null, 2)}\n`);
    // One problem is one line (no stack trace, whatever the input was); several get a line each.
    else if (e.issues.length === 1) process.stderr.write(`goldwatch: invalid configuration: ${e.message}\n`);
    else process.stderr.write(`goldwatch: invalid configuration (${e.issues.length} problems)\n${e.message}\n`);
    return command.badInputExit ?? 2;
  }
  timer.mark("config load");
  try {
    return await command.run({ ...rest, loaded });
  } finally {
    timer.mark("command");
    timer.done();
  }
}
