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
