/** One problem in a config or golden-set file: where it is and what was expected. */
export interface ConfigIssue {
  file: string;
  /** Dotted path inside the file, e.g. `jobs.support-hourly.repeats`; empty for the whole file. */
  path: string;
  message: string;
}

/** Thrown when a config or golden set does not validate; the message lists every issue. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}${i.path ? `: ${i.path}` : ""}: ${i.message}`;
}

/** `["jobs","a",0,"b"]` → `jobs.a[0].b` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

const ARTICLE: Record<string, string> = { object: "a mapping", array: "a list", string: "a string", number: "a number", boolean: "true or false" };

/**
 * A zod issue's message as we print it: a missing field says "missing" and what belongs there
 * (zod's own says "received undefined"); a bare "Invalid input" (a union none of whose forms
 * matched) becomes the caller's `fallback` description of what is expected.
 */
export function readableIssue(issue: { code: string; message: string; expected?: unknown }, fallback?: string): string {
  if (issue.code === "invalid_type" && issue.message.endsWith("received undefined") && typeof issue.expected === "string") {
    return `missing; expected ${ARTICLE[issue.expected] ?? issue.expected}`;
  }
  if (issue.message === "Invalid input" && fallback) return `expected ${fallback}`;
  return issue.message;
}
