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

const ARTICLE: Record<string, string> = {
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/**
 * A zod issue's message as we print it: a wrong type says what belongs there in words ("expected
 * a list, got a string"), a missing field says "missing" (zod's own says "received undefined"); a bare "Invalid input" (a union none of whose forms
 * matched) becomes the caller's `fallback` description of what is expected.
 */
export function readableIssue(issue: { code: string; message: string; expected?: unknown }, fallback?: string): string {
  if (issue.code === "invalid_type" && typeof issue.expected === "string") {
    const expected = issue.expected === "int" ? "a whole number" : (ARTICLE[issue.expected] ?? issue.expected);
    const received = /received (\w+)$/.exec(issue.message)?.[1];
    if (received === "undefined") return `missing; expected ${expected}`;
    if (received)
      return `expected ${expected}, got ${received === "number" && issue.expected === "int" ? "a fraction" : (ARTICLE[received] ?? received)}`;
  }
  if (issue.message === "Invalid input" && fallback) return `expected ${fallback}`;
  return issue.message;
}
