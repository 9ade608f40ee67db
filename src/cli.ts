import { parseArgs } from "node:util";
import { baselineCommand } from "./commands/baseline.ts";
import { gateCommand } from "./commands/gate.ts";
import { migrateCommand } from "./commands/migrate.ts";
import { runCommand } from "./commands/run.ts";
import { reportCommand } from "./commands/report.ts";
import { serveCommand } from "./commands/serve.ts";
import { silenceCommand } from "./commands/silence.ts";
import type { Command } from "./commands/types.ts";
import { validateCommand } from "./commands/validate.ts";
import { ConfigError } from "./config/errors.ts";
import { loadConfig } from "./load/load.ts";

/** Every `goldwatch <command>`; each lives in src/commands/. */
const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  run: runCommand,
  validate: validateCommand,
  migrate: migrateCommand,
  report: reportCommand,
  silence: silenceCommand,
  gate: gateCommand,
  baseline: baselineCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `goldwatch — scheduled health checks for production AI agents

usage: goldwatch <command> [options]

commands:
${lines.join("\n")}

options:
  --config <file>    config file (default goldwatch.config.yaml)
  --json             print machine-readable JSON instead of text
  -h, --help         show this help
`;
}

/** Exit codes: 0 ok, 1 the run failed or was aborted, 2 bad input (config, arguments); commands may add their own (gate: 0 pass, 1 fail, 2 inconclusive, 3 error or bad input). */
export async function main(argv: string[]): Promise<number> {
  const name = argv.find((a) => !a.startsWith("-"));
  const command = name ? COMMANDS[name] : undefined;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", default: "goldwatch.config.yaml" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        ...(command?.options ?? {}),
      },
    });
  } catch (e) {
    process.stderr.write(`goldwatch: ${(e as Error).message}\n\n${usage()}`);
    return command?.badInputExit ?? 2;
  }
  const { values, positionals } = parsed;
  if (values.help || !name) {
    process.stdout.write(usage());
    return values.help ? 0 : 2;
  }
  if (!command) {
    process.stderr.write(`goldwatch: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const json = values.json === true;
  let loaded;
  try {
    loaded = await loadConfig(String(values.config));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    if (json) process.stdout.write(`${JSON.stringify({ ok: false, issues: e.issues }, null, 2)}\n`);
    // One problem is one line (no stack trace, whatever the input was); several get a line each.
    else if (e.issues.length === 1) process.stderr.write(`goldwatch: invalid configuration: ${e.message}\n`);
    else process.stderr.write(`goldwatch: invalid configuration (${e.issues.length} problems)\n${e.message}\n`);
    return command.badInputExit ?? 2;
  }
  return command.run({ args: positionals.slice(1), options: values as Record<string, string | boolean | undefined>, json, loaded });
}
