/**
 * The cron dialect goldwatch accepts: what both Bun.cron and croner read the same way. Five
 * fields (minute hour day month weekday) or a nickname; numbers, names, `*`, ascending ranges,
 * steps and lists. Croner also reads `L`, `W`, `#`, `?` and seconds, Bun.cron does not, so they
 * are rejected here with the reason rather than meaning something on one runtime only.
 */

/** Nicknames both backends know, as the five fields they stand for. */
export const NICKNAMES: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too, in both backends.
  { name: "weekday", min: 0, max: 7, names: DAYS },
];

/** A parsed, normalised schedule expression. */
export interface CronExpression {
  /** Five fields, nicknames expanded, names upper-cased. */
  fields: string;
  /**
   * The hour field is a wildcard (`*` or `*\/n`). Like Vixie cron, such jobs run at every real
   * hour when clocks fall back; jobs at fixed hours run once at a repeated local time.
   */
  wildcardHour: boolean;
}

function value(text: string, spec: FieldSpec): number | string {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) return `${spec.name} value ${n} is out of range ${spec.min}-${spec.max}`;
    return n;
  }
  const i = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i < 0) {
    return spec.names
      ? `${spec.name} "${text}" is not a number ${spec.min}-${spec.max} or a name like ${spec.names[0]}`
      : `${spec.name} "${text}" is not a number ${spec.min}-${spec.max}`;
  }
  return spec.name === "month" ? i + 1 : i;
}

function checkField(text: string, spec: FieldSpec): string | undefined {
  const special = /[LW#?]/i.exec(text.replace(/[A-Za-z]{3}/g, (m) => (spec.names?.includes(m.toUpperCase()) ? "0" : m)));
  if (special) {
    return `${spec.name} "${text}" uses "${special[0]}", which croner reads but Bun.cron does not; goldwatch accepts only what both read the same way`;
  }
  for (const item of text.split(",")) {
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(item);
    if (!m) return `${spec.name} "${item}" is not a value, range (a-b), step (*/n) or list (a,b)`;
    const [, base, step] = m;
    if (step !== undefined && Number(step) < 1) return `${spec.name} step in "${item}" must be at least 1`;
    if (base === "*") continue;
    const [from, to, extra] = base!.split("-");
    if (extra !== undefined) return `${spec.name} "${item}" is not a range a-b`;
    const a = value(from!, spec);
    if (typeof a === "string") return a;
    if (to === undefined) continue;
    const b = value(to, spec);
    if (typeof b === "string") return b;
    if (b < a) return `${spec.name} range "${base}" runs backwards; write it as a list (e.g. 22-23,0-2)`;
  }
  return undefined;
}

/** Parses a schedule; returns the reason when the expression is not in goldwatch's dialect. */
export function parseExpression(expr: string): CronExpression | string {
  const trimmed = expr.trim();
  if (trimmed.startsWith("@")) {
    const fields = NICKNAMES[trimmed.toLowerCase()];
    if (!fields) return `unknown nickname "${trimmed}" (expected one of ${Object.keys(NICKNAMES).join(", ")})`;
    return { fields, wildcardHour: fields.split(" ")[1] === "*" };
  }
  const parts = trimmed.split(/\s+/);
  if (parts.length !== 5) {
    return `expected 5 fields (minute hour day month weekday) or a nickname like @hourly, got ${parts.length} field${parts.length === 1 ? "" : "s"}${parts.length === 6 ? " (seconds are not supported)" : ""}`;
  }
  for (const [i, part] of parts.entries()) {
    const problem = checkField(part, FIELDS[i]!);
    if (problem) return problem;
  }
  return { fields: parts.map((p) => p.toUpperCase()).join(" "), wildcardHour: parts[1]!.startsWith("*") };
}
