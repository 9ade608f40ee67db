import { z } from "zod";
import type { Step } from "../agents/types.ts";
import { canonicalJson } from "./canonical.ts";
import { defineAssertion, type AssertionDef, type AssertionResult } from "./types.ts";

/** How many identical tool calls (same tool, same arguments) a trial may make before it is a loop. */
export const DEFAULT_MAX_REPEATS = 3;

const toolName = z.string().min(1);
const list = (names: readonly string[]) => (names.length === 0 ? "no tools" : names.join(" → "));
const brief = (v: unknown, max = 80) => {
  const s = canonicalJson(v); // a string comes back quoted, as JSON
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

/**
 * Whether `actual` matches `expected`: `exact` is deep equality; `subset` asks that every key of an
 * expected object be present with a matching value (recursively), so extra arguments are allowed.
 * Arrays match element by element either way. Arguments that were not valid JSON are compared as text.
 */
export function argsMatch(actual: unknown, expected: unknown, mode: "exact" | "subset"): boolean {
  if (expected === null || typeof expected !== "object") return Object.is(actual, expected);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => argsMatch(actual[i], e, mode));
  }
  if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  if (mode === "exact" && Object.keys(a).length !== Object.keys(e).length) return false;
  return Object.entries(e).every(([k, v]) => k in a && argsMatch(a[k], v, mode));
}

/** True when `want` appears in `names` in this order, other tools allowed in between. */
export function inOrder(names: readonly string[], want: readonly string[]): boolean {
  let i = 0;
  // Past the end want[i] is undefined, which no name equals.
  for (const n of names) if (n === want[i]) i++;
  return i === want.length;
}

/** A tool called with the same arguments more than `maxRepeats` times. */
export interface LoopFinding {
  tool: string;
  args: unknown;
  count: number;
}

/** The most repeated identical tool call, when it was made more than `maxRepeats` times. Pure. */
export function findLoop(steps: readonly Step[], maxRepeats: number): LoopFinding | undefined {
  const counts = new Map<string, LoopFinding>();
  let worst: LoopFinding | undefined;
  for (const s of steps) {
    const key = `${s.tool}\u0000${canonicalJson(s.args ?? null)}`;
    const entry = counts.get(key) ?? { tool: s.tool, args: s.args, count: 0 };
    entry.count++;
    counts.set(key, entry);
    if (!worst || entry.count > worst.count) worst = entry;
  }
  return worst && worst.count > maxRepeats ? worst : undefined;
}

/** The loop check's result: passes when no identical call repeats more than `maxRepeats` times. */
export function loopResult(steps: readonly Step[], maxRepeats: number): AssertionResult {
  const loop = findLoop(steps, maxRepeats);
  return loop
    ? {
        type: "no_loop",
        passed: false,
        kind: "loop",
        reason: `loop: ${loop.tool}(${brief(loop.args ?? null)}) called ${loop.count} times (more than ${maxRepeats})`,
      }
    : { type: "no_loop", passed: true, reason: `no tool call repeated more than ${maxRepeats} times` };
}

/** A tool result that says nothing was found: empty, null, or an empty list or object. */
export function emptyResult(result: unknown): boolean {
  if (result === undefined || result === null) return true;
  if (typeof result === "string") return result.trim() === "" || /^\s*(\[\s*\]|\{\s*\}|null|no results?\.?)\s*$/i.test(result);
  if (Array.isArray(result)) return result.length === 0;
  if (typeof result === "object") {
    const o = result as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 0) return true;
    // `{results: []}`, `{items: [], total: 0}`: a wrapper around nothing.
    const lists = keys.filter((k) => Array.isArray(o[k]));
    return lists.length > 0 && lists.every((k) => (o[k] as unknown[]).length === 0);
  }
  return false;
}

/**
 * Phrases of an agent that admits it found nothing or hit an error, rather than inventing an answer.
 * Checked case-insensitively, with straight or typographic apostrophes ("can't", "can’t"); a case
 * may give its own with `phrases:`.
 */
export const ADMITS_FAILURE = [
  /\b(?:could ?n[o'’]?t|can['’]?t|can ?not|was ?n[o'’]?t able to|were ?n[o'’]?t able to|unable to|failed to|did ?n[o'’]?t)\s+(?:find|locate|retrieve|get|access|look up|load|reach|confirm)\b/i,
  /\b(?:no|not any)\s+(?:results?|information|info|matches|matching|relevant|records?|articles?|data|details)\b/i,
  /\bnothing\s+(?:was\s+)?(?:found|about|on|matching|relevant)\b/i,
  /\bnot\s+(?:find|found|sure|certain|available)\b/i,
  /\b(?:do ?n[o'’]?t|does ?n[o'’]?t)\s+(?:know|have\s+(?:any\s+)?(?:information|details|data))\b/i,
  /\b(?:error|unavailable|temporarily down|something went wrong)\b/i,
];

/** A bare string stands for the object's main field: `tool_called: search_kb` is `{name: search_kb}`. */
const shorthand = <T extends z.ZodType>(field: string, schema: T) =>
  z.preprocess((v) => (typeof v === "string" ? { [field]: v } : v), schema);

const handlesToolErrorArg = shorthand(
  "tool",
  z.strictObject({
    tool: toolName,
    /** Phrases that count as admitting the failure (default: a built-in list like "couldn't find"). */
    phrases: z.array(z.string().min(1)).min(1).optional(),
  }),
);

const toolCalledArg = shorthand(
  "name",
  z.strictObject({
    name: toolName,
    /** Arguments the call must have had; extra arguments are allowed unless `match: exact`. */
    args: z.unknown().optional(),
    match: z.enum(["subset", "exact"]).default("subset"),
  }),
);

const toolOrderArg = z.preprocess(
  (v) => (Array.isArray(v) ? { tools: v } : v),
  z.strictObject({
    tools: z.array(toolName).min(1),
    /** The whole trajectory must be exactly these tools, nothing before, between or after. */
    exact: z.boolean().default(false),
  }),
);

const noLoopArg = z
  .preprocess(
    (v) => (v === true ? { max_repeats: DEFAULT_MAX_REPEATS } : typeof v === "number" ? { max_repeats: v } : v),
    z.union([z.literal(false), z.strictObject({ max_repeats: z.number().int().positive() })]),
  )
  .transform((a) => (a === false ? null : { maxRepeats: a.max_repeats }));

/** Assertions over the steps the agent took (its tool calls), not just its final answer. */
export const trajectoryAssertions: Record<string, AssertionDef> = {
  tool_called: defineAssertion({
    schema: toolCalledArg,
    evaluate: (arg, { obs }) => {
      const calls = obs.steps.filter((s) => s.tool === arg.name);
      if (calls.length === 0) {
        return {
          type: "tool_called",
          passed: false,
          reason: `${arg.name} was never called (called: ${list(obs.steps.map((s) => s.tool))})`,
        };
      }
      if (arg.args === undefined) return { type: "tool_called", passed: true, reason: `${arg.name} called ${calls.length}×` };
      const hit = calls.some((c) => argsMatch(c.args, arg.args, arg.match));
      return hit
        ? {
            type: "tool_called",
            passed: true,
            reason: `${arg.name} called with ${arg.match === "exact" ? "exactly " : ""}${brief(arg.args)}`,
          }
        : {
            type: "tool_called",
            passed: false,
            reason: `${arg.name} was called, but never with ${arg.match === "exact" ? "exactly " : ""}${brief(arg.args)} (got ${brief(calls[0]!.args ?? null)})`,
          };
    },
  }),
  tool_order: defineAssertion({
    schema: toolOrderArg,
    evaluate: (arg, { obs }) => {
      const names = obs.steps.map((s) => s.tool);
      const passed = arg.exact ? names.length === arg.tools.length && names.every((n, i) => n === arg.tools[i]) : inOrder(names, arg.tools);
      const want = `${list(arg.tools)}${arg.exact ? " exactly" : ""}`;
      return { type: "tool_order", passed, reason: passed ? `tools ran in order ${want}` : `expected ${want}, got ${list(names)}` };
    },
  }),
  max_steps: defineAssertion({
    schema: z.number().int().nonnegative(),
    evaluate: (max, { obs }) => {
      const passed = obs.steps.length <= max;
      return { type: "max_steps", passed, reason: `${obs.steps.length} steps ${passed ? "≤" : ">"} ${max}` };
    },
  }),
  no_tool: defineAssertion({
    schema: z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(toolName).min(1)),
    evaluate: (banned, { obs }) => {
      const used = [...new Set(obs.steps.map((s) => s.tool).filter((t) => banned.includes(t)))];
      return used.length === 0
        ? { type: "no_tool", passed: true, reason: `${banned.join(", ")} not called` }
        : { type: "no_tool", passed: false, reason: `called ${used.join(", ")}` };
    },
  }),
  handles_tool_error: defineAssertion({
    schema: handlesToolErrorArg,
    evaluate: (arg, { obs }) => {
      const calls = obs.steps.filter((s) => s.tool === arg.tool);
      const failed = calls.filter((s) => s.error !== undefined || emptyResult(s.result));
      if (calls.length === 0) return { type: "handles_tool_error", passed: true, reason: `${arg.tool} was not called; nothing to handle` };
      // A later successful call means the agent recovered: it had something to answer from.
      // Also when none failed: failed.at(-1) is then undefined.
      if (calls.at(-1) !== failed.at(-1)) {
        return { type: "handles_tool_error", passed: true, reason: `${arg.tool} returned results; nothing to handle` };
      }
      const what = failed.at(-1)!.error !== undefined ? "an error" : "no results";
      const output = obs.output ?? "";
      const admits = arg.phrases
        ? arg.phrases.some((p) => output.toLowerCase().includes(p.toLowerCase()))
        : ADMITS_FAILURE.some((re) => re.test(output));
      return admits
        ? { type: "handles_tool_error", passed: true, reason: `${arg.tool} returned ${what} and the agent said so` }
        : { type: "handles_tool_error", passed: false, reason: `${arg.tool} returned ${what} but the agent answered as if it had not` };
    },
  }),
  no_loop: defineAssertion({
    schema: noLoopArg,
    evaluate: (arg, { obs }) =>
      arg === null ? { type: "no_loop", passed: true, reason: "loop check disabled" } : loopResult(obs.steps, arg.maxRepeats),
  }),
};
