import { createHash } from "node:crypto";
import { z } from "zod";
import { assertionRegistry, assertionTypes } from "../scoring/registry.ts";
import { canonicalJson } from "../scoring/canonical.ts";
import { missingJudgeField, type JudgeArg } from "../scoring/judge/assertion.ts";
import type { AssertionSpec } from "../scoring/types.ts";
import { readableIssue, type ConfigIssue } from "../config/errors.ts";

/** What each assertion takes (as in the README's table), said when zod's own message would not. */
const EXPECTS: Record<string, string> = {
  equals: "the text the output must equal",
  not_equals: "the text the output must not equal",
  contains: 'a non-empty text, like "30 days"',
  not_contains: 'a non-empty text, like "I guarantee"',
  icontains: 'a non-empty text, like "30 days"',
  not_icontains: 'a non-empty text, like "14 days"',
  regex: 'a pattern, like "^\\d+ days$" or "/refund/i"',
  not_regex: 'a pattern, like "^\\d+ days$" or "/refund/i"',
  json_schema: "a JSON Schema, like {type: object, required: [answer]}",
  numeric: "a number like 29, or {value: 29, tolerance: 0.5}",
  max_latency_ms: "a number of milliseconds, like 5000",
  max_cost_usd: "a cost in USD, like 0.05",
  tool_called: "a tool name like search_kb, or {name: search_kb, args?, match?: subset | exact}",
  tool_order: "a list of tool names like [search_kb, answer], or {tools: [search_kb, answer], exact: true}",
  max_steps: "a whole number of tool calls, like 6",
  no_tool: "a tool name like delete_account, or a list of names",
  handles_tool_error: "a tool name like search_kb, or {tool: search_kb, phrases?: [...]}",
  no_loop: "true, false, a number of repeats like 3, or {max_repeats: 3}",
  no_pii: "true, or {kinds?: [email, phone, ...], phone_region?, steps?}",
  judge: "a rubric name (correctness, faithfulness, relevance, safety), or {rubric | criteria, context?, expected?, min_score?}",
};

/** A short, quoted picture of a value written in a golden set (golden sets hold no secrets). */
function shown(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "number") return String(value); // .inf and .nan too, which JSON shows as null
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 50 ? `${text.slice(0, 49)}…` : text;
}

/**
 * The message for a bad assertion argument: zod's when it says what is expected, else (a union
 * none of whose forms matched, or the wrong type for the whole argument) what the assertion takes.
 */
function argumentMessage(type: string, issue: z.core.$ZodIssue, arg: unknown): string {
  const expects = EXPECTS[type];
  const whole = issue.path.length === 0 && (issue.code === "invalid_type" || issue.code === "invalid_union");
  if (expects && (whole || issue.message === "Invalid input")) return `expected ${expects}, got ${shown(arg)}`;
  return readableIssue(issue);
}

/** `- contains: "30 days"` → `{type: "contains", arg: "30 days"}`, validated by the type's schema. */
const assertion = z.record(z.string(), z.unknown()).transform((obj, ctx): AssertionSpec => {
  const keys = Object.keys(obj);
  if (keys.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message: `expected exactly one assertion type per entry, got ${keys.length ? keys.join(", ") : "none"}`,
    });
    return z.NEVER;
  }
  const type = keys[0]!;
  const def = assertionRegistry[type];
  if (!def) {
    ctx.addIssue({
      code: "custom",
      path: [type],
      message: `unknown assertion type "${type}" (expected one of: ${assertionTypes().join(", ")})`,
    });
    return z.NEVER;
  }
  const parsed = def.schema.safeParse(obj[type]);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      ctx.addIssue({ code: "custom", path: [type, ...issue.path], message: argumentMessage(type, issue, obj[type]) });
    }
    return z.NEVER;
  }
  return { type, arg: parsed.data };
});

const caseSchema = z.strictObject({
  id: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.:-]+$/, "expected letters, digits, _ . : or -"),
  input: z.string().min(1),
  expected: z.string().optional(),
  context: z.string().optional(),
  tags: z.array(z.string()).default([]),
  assert: z.array(assertion).default([]),
});

export const goldenSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    cases: z.array(caseSchema).min(1, "expected at least one case"),
  })
  .superRefine((g, ctx) => {
    const seen = new Set<string>();
    g.cases.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: "custom", path: ["cases", i, "id"], message: `duplicate case id "${c.id}"` });
      seen.add(c.id);
      if (c.assert.length === 0 && c.expected === undefined) {
        ctx.addIssue({ code: "custom", path: ["cases", i, "assert"], message: "expected assertions or an `expected` answer" });
      }
      c.assert.forEach((a, j) => {
        if (a.type !== "judge") return;
        const missing = missingJudgeField(a.arg as JudgeArg, c);
        if (missing) {
          ctx.addIssue({
            code: "custom",
            path: ["cases", i, "assert", j, "judge", missing],
            message: `the ${(a.arg as JudgeArg).rubric} rubric needs ${missing === "expected" ? "an expected answer" : "a context"}: set ${missing} on the case or on this judge assertion`,
          });
        }
      });
    });
  });

export type GoldenCase = z.output<typeof caseSchema>;

/** A validated golden set with its content hash. */
export interface GoldenSet {
  name: string;
  file: string;
  /** sha256 of the canonical JSON of the validated set: the same cases give the same hash. */
  hash: string;
  cases: GoldenCase[];
}

/** With no assertions, a case passes when its output contains `expected`, ignoring case. */
export function assertionsOf(c: GoldenCase): AssertionSpec[] {
  return c.assert.length > 0 ? c.assert : [{ type: "icontains", arg: c.expected }];
}

/** Stable JSON: object keys sorted, so the hash does not depend on key order in the YAML. */
export { canonicalJson };

/**
 * A golden set that uses `judge:` needs a judge in the config: one issue per such assertion,
 * naming the golden-set file and the assertion's path, when the config has none.
 */
export function judgeIssues(golden: GoldenSet, hasJudge: boolean): ConfigIssue[] {
  if (hasJudge) return [];
  return golden.cases.flatMap((c, i) =>
    c.assert.flatMap((a, j) =>
      a.type === "judge"
        ? [
            {
              file: golden.file,
              path: `cases[${i}].assert[${j}].judge`,
              message: `case "${c.id}" uses the LLM judge, but the config has no judge: section (add judge: {base_url, model})`,
            },
          ]
        : [],
    ),
  );
}

export function hashGolden(g: { name: string; cases: GoldenCase[] }): string {
  return createHash("sha256")
    .update(canonicalJson({ name: g.name, cases: g.cases }))
    .digest("hex");
}
