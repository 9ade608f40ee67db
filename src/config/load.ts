import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseDocument } from "yaml";
import { checkSchedule } from "../schedule/validate.ts";
import type { z } from "zod";
import { interpolateEnv } from "./env.ts";
import { ConfigError, formatPath, type ConfigIssue } from "./errors.ts";
import { goldenSchema, hashGolden, judgeIssues, type GoldenSet } from "./golden.ts";
import { configSchema, type Config } from "./schema.ts";
import { Secrets } from "./secrets.ts";

/** A validated config with every golden set it names, ready to run. */
export interface LoadedConfig {
  file: string;
  dir: string;
  config: Config;
  /** Golden sets by job name. */
  goldens: Map<string, GoldenSet>;
  secrets: Secrets;
}

export interface LoadOptions {
  env?: Record<string, string | undefined>;
}

async function readYaml(file: string, issues: ConfigIssue[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    issues.push({ file, path: "", message: `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const pos = err.linePos?.[0];
      const where = pos ? `line ${pos.line}, column ${pos.col}` : "";
      issues.push({ file, path: where, message: `malformed YAML: ${err.message.split("\n")[0]}` });
    }
    return undefined;
  }
  return doc.toJS();
}

function zodIssues(file: string, error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ file, path: formatPath(i.path), message: i.message }));
}

/** Reads and validates one golden set file. */
export async function loadGolden(file: string): Promise<GoldenSet> {
  const issues: ConfigIssue[] = [];
  const raw = await readYaml(file, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const parsed = goldenSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(zodIssues(file, parsed.error));
  return { name: parsed.data.name, file, hash: hashGolden(parsed.data), cases: parsed.data.cases };
}

/** Checks a 5-field cron expression or nickname in a time zone; returns a message when invalid. */
export { checkSchedule };

/**
 * Reads `goldwatch.config.yaml`, fills `${VAR}` from the environment, validates it, and loads every
 * golden set its jobs name (relative paths from the config's folder). Throws one ConfigError that
 * lists every issue found, each naming the file, the path inside it and what was expected.
 */
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const issues: ConfigIssue[] = [];
  const secrets = new Secrets();
  const raw = await readYaml(abs, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const filled = interpolateEnv(raw, env, abs, secrets, issues);
  const parsed = configSchema.safeParse(filled);
  if (!parsed.success) issues.push(...zodIssues(abs, parsed.error));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const config = parsed.data;
  if (env.PORT) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError([{ file: "environment", path: "PORT", message: "expected a port number from 0 to 65535" }]);
    }
    config.server.port = port;
  }

  const goldens = new Map<string, GoldenSet>();
  const byPath = new Map<string, Promise<GoldenSet>>();
  for (const [name, job] of Object.entries(config.jobs)) {
    const problem = checkSchedule(job.schedule, job.timezone);
    if (problem) issues.push({ file: abs, path: `jobs.${name}.schedule`, message: problem });
    const goldenPath = path.resolve(dir, job.golden);
    if (!byPath.has(goldenPath)) byPath.set(goldenPath, loadGolden(goldenPath));
    try {
      const golden = await byPath.get(goldenPath)!;
      goldens.set(name, golden);
      issues.push(...judgeIssues(golden, config.judge !== undefined));
    } catch (e) {
      if (e instanceof ConfigError) issues.push(...e.issues);
      else throw e;
    }
  }
  // A golden set shared by two jobs reports its issues once.
  const unique = [...new Map(issues.map((i) => [`${i.file}|${i.path}|${i.message}`, i])).values()];
  if (unique.length > 0) throw new ConfigError(unique);
  return { file: abs, dir, config, goldens, secrets };
}
