import type { z } from "zod";
import { formatPath } from "../config/errors.ts";
import { ImportError } from "./types.ts";

/** A JSONL record validated by `schema`; a mismatch is an ImportError naming the line, the field and what was expected. */
export function parseRecord<S extends z.ZodType>(schema: S, value: unknown, file: string, line: number, expected: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = formatPath(issue.path);
  const got = issue.code === "invalid_type" && /received undefined$/.test(issue.message) ? "missing" : issue.message;
  throw new ImportError(file, `line ${line}${field ? `: ${field}` : ""}`, `${got}; expected ${expected}`);
}
