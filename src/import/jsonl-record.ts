import type { z } from "zod";
import { formatPath } from "../config/errors.ts";
import { ImportError } from "./types.ts";

const at = (value: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);

const shown = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

/** A JSONL record validated by `schema`; a mismatch is an ImportError naming the line, the field and what was expected. */
export function parseRecord<S extends z.ZodType>(schema: S, value: unknown, file: string, line: number, expected: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = formatPath(issue.path);
  const got = at(value, issue.path);
  const what =
    got === undefined ? "missing" : issue.message === "Invalid input" ? `got ${shown(got)}` : `${issue.message} (got ${shown(got)})`;
  throw new ImportError(file, `line ${line}${field ? `: ${field}` : ""}`, `${what}; expected ${expected}`);
}
