import type { LoadedConfig } from "../load/load.ts";

/** Parsed command line shared by every command. */
export interface CommandInput {
  /** Positional arguments after the command name. */
  args: string[];
  /** Option values by name (strings, booleans); each command reads its own. */
  options: Record<string, string | boolean | undefined>;
  json: boolean;
  loaded: LoadedConfig;
}

/** One `goldwatch <command>`. Returns the process exit code. */
export interface Command {
  summary: string;
  /** Options this command takes beyond --config/--json (parseArgs format). */
  options?: Record<string, { type: "string" | "boolean"; short?: string; default?: string | boolean }>;
  /** Exit code for bad input caught before `run` (unknown option, invalid config); default 2. */
  badInputExit?: number;
  run(input: CommandInput): Promise<number>;
}
