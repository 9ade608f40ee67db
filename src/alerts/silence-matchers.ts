import { z } from "zod";
import { compileLinear } from "../scoring/regex.ts";
import { LABEL_NAMES, type AlertLabels } from "./labels.ts";

/** One condition of a silence, Alertmanager style: `=`, `!=`, `=~` (regex), `!~`. */
export interface Matcher {
  name: (typeof LABEL_NAMES)[number];
  op: "=" | "!=" | "=~" | "!~";
  value: string;
}

// RE2, as in Alertmanager: linear time, so a silence posted through the API cannot stall the loop.
const regexOk = (v: string) => {
  try {
    compileLinear(v);
    return true;
  } catch {
    return false;
  }
};

/** A matcher as stored and as accepted by the API; regexes must compile. */
export const matcherSchema = z
  .strictObject({
    name: z.enum(LABEL_NAMES, { error: () => `expected a label name: ${LABEL_NAMES.join(", ")}` }),
    op: z.enum(["=", "!=", "=~", "!~"]).default("="),
    value: z.string(),
  })
  .refine((m) => !m.op.includes("~") || regexOk(m.value), { message: "expected a valid regular expression", path: ["value"] });

/**
 * Parses `job=support-hourly`, `detector!=errors`, `case=~refund-.*` from the command line.
 * Returns a message naming what was expected when the text is not a matcher.
 */
export function parseMatcher(text: string): Matcher | string {
  const m = /^([a-z_]+)\s*(=~|!~|!=|=)\s*(.*)$/.exec(text.trim());
  if (!m) return `"${text}" is not a matcher: expected name=value, name!=value, name=~regex or name!~regex`;
  const parsed = matcherSchema.safeParse({ name: m[1], op: m[2], value: m[3] });
  if (!parsed.success) return `"${text}": ${parsed.error.issues[0]!.message}`;
  return parsed.data;
}

/** Regexes match the whole value (anchored), as in Alertmanager; a missing label is "". */
export function matches(matchers: readonly Matcher[], labels: AlertLabels): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? "";
    switch (m.op) {
      case "=":
        return v === m.value;
      case "!=":
        return v !== m.value;
      case "=~":
        return compileLinear(`^(?:${m.value})$`).test(v);
      case "!~":
        return !compileLinear(`^(?:${m.value})$`).test(v);
    }
  });
}

/** `job=a detector=~thr.*` */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return matchers.map((m) => `${m.name}${m.op}${m.value}`).join(" ");
}
