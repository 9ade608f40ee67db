import path from "node:path";
import { checkSchedule, checkTimezone } from "../cron/validate.ts";
import type { z } from "zod";
import { interpolateEnv } from "../config/env.ts";
import { referenceIssues } from "../config/env-refs.ts";
import { ConfigError, formatPath, readableIssue, type ConfigIssue } from "../config/errors.ts";
import { goldenSchema, hashGolden, judgeIssues, type GoldenSet } from "./golden.ts";
import { literalSecretIssues } from "../config/literal-secrets.ts";
import { readYamlFile, yamlLimits, type YamlLimit } from "../config/read-yaml.ts";
import { configSchema, type Config } from "../config/schema.ts";
import { Secrets } from "../config/secrets.ts";

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

function zodIssues(file: string, error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({ file, path: formatPath(i.path), message: readableIssue(i) }));
}

/** The top of a file must be a mapping: an empty file or a list says so in one line. */
function topLevelIssue(file: string, raw: unknown, expected: string): ConfigIssue | undefined {
  if (raw === null || raw === undefined) return { file, path: "", message: `the file is empty; expected ${expected}` };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { file, path: "", message: `expected ${expected} at the top, got ${Array.isArray(raw) ? "a list" : `a ${typeof raw}`}` };
  }
  return undefined;
}

/** Reads and validates one golden set file (at most `limit` bytes: checked before it is read). */
export async function loadGolden(file: string, limit: YamlLimit = yamlLimits({}, []).golden): Promise<GoldenSet> {
  const issues: ConfigIssue[] = [];
  const raw = await readYamlFile(file, limit, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const top = topLevelIssue(file, raw, "a golden set (name: and cases:)");
  if (top) throw new ConfigError([top]);
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
  const limits = yamlLimits(env, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const raw = await readYamlFile(abs, limits.config, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const top = topLevelIssue(abs, raw, "a config (agents:, jobs:, …)");
  if (top) throw new ConfigError([top]);
  // Before interpolation, on the text as written: a malformed reference is refused before it is
  // half-filled, and a literal credential is told apart from one read from the environment.
  const refs = referenceIssues(raw, abs);
  if (refs.length > 0) throw new ConfigError([...refs, ...literalSecretIssues(raw, abs)]);
  issues.push(...literalSecretIssues(raw, abs));
  const filled = interpolateEnv(raw, env, abs, secrets, issues);
  const parsed = configSchema.safeParse(filled);
  // One message per field: a field already reported (a literal secret, an unset variable) is not
  // reported again for the value it was left with.
  const reported = new Set(issues.map((i) => i.path));
  if (!parsed.success) issues.push(...zodIssues(abs, parsed.error).filter((i) => !reported.has(i.path)));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  const config = parsed.data;
  if (env.PORT) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError([{ file: "environment", path: "PORT", message: "expected a port number from 0 to 65535" }]);
    }
    config.server.port = port;
  }

  for (const [name, job] of Object.entries(config.shadow.jobs)) {
    const zone = checkTimezone(job.timezone);
    const problem = zone ?? (job.schedule === undefined ? undefined : checkSchedule(job.schedule, job.timezone));
    if (problem) issues.push({ file: abs, path: `shadow.jobs.${name}.${zone ? "timezone" : "schedule"}`, message: problem });
  }

  const goldens = new Map<string, GoldenSet>();
  const byPath = new Map<string, Promise<GoldenSet>>();
  for (const [name, job] of Object.entries(config.jobs)) {
    // A bad zone is reported under timezone, and the schedule is checked only in a zone that exists.
    const zone = checkTimezone(job.timezone);
    const problem = zone ?? checkSchedule(job.schedule, job.timezone);
    if (problem) issues.push({ file: abs, path: `jobs.${name}.${zone ? "timezone" : "schedule"}`, message: problem });
    const goldenPath = path.resolve(dir, job.golden);
    if (!byPath.has(goldenPath)) byPath.set(goldenPath, loadGolden(goldenPath, limits.golden));
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
