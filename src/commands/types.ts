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
  /** Commands that read no config say so (StandaloneCommand). */
  standalone?: false;
  run(input: CommandInput): Promise<number>;
}

/** The command line of a command that reads no goldwatch config. */
export type StandaloneInput = Omit<CommandInput, "loaded">;

/** A command that needs no config file (`import`): the CLI does not load one for it. */
export interface StandaloneCommand extends Omit<Command, "run" | "standalone"> {
  standalone: true;
  run(input: StandaloneInput): Promise<number>;
}
