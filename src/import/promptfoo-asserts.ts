import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { AssertionSpec } from "../scoring/types.ts";
import { assertionProblem } from "./golden-out.ts";
import { renderVars } from "./template.ts";
import type { ImportNote } from "./types.ts";

/** One promptfoo assertion as written (`type`, `value`, `threshold`, ...); other fields are read where they matter. */
export const promptfooAssertion = z
  .object({
    type: z.string().min(1),
    value: z.unknown().optional(),
    threshold: z.number().optional(),
    weight: z.number().optional(),
    transform: z.unknown().optional(),
    assert: z.array(z.unknown()).optional(),
    provider: z.unknown().optional(),
    rubricPrompt: z.unknown().optional(),
  })
  .loose();
type PfAssertion = z.output<typeof promptfooAssertion>;

/** What one promptfoo assertion became: goldwatch assertions, or why none, and any difference. */
export interface Mapped {
  specs: AssertionSpec[];
  unmapped?: string;
  caveats: string[];
}

const CODE = new Set(["javascript", "python", "ruby", "webhook"]);
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** `"a, b"` or `["a", "b"]` → the list (promptfoo splits a string on commas outside double quotes). */
function listOf(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.every((v) => typeof v === "string" || typeof v === "number") ? value.map(String) : undefined;
  if (typeof value !== "string") return undefined;
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      out.push(current.trim());
      current = "";
    } else current += ch;
  }
  out.push(current.trim());
  return out.filter(Boolean);
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : undefined);
const none = (why: string): Mapped => ({ specs: [], unmapped: why, caveats: [] });
const ok = (specs: AssertionSpec[], ...caveats: string[]): Mapped => ({ specs, caveats });

/** A bare pattern goldwatch would read as `/body/flags` is wrapped, so it stays the literal promptfoo meant. */
const pattern = (p: string) => (/^\/.*\/[a-z]*$/s.test(p) ? `/${p}/` : p);

/** contains-any / -all and their i- and not- forms. */
function mapList(base: string, inverse: boolean, value: unknown): Mapped {
  const values = listOf(value);
  if (!values?.length) return none(`${base} needs a list of texts (or a comma-separated text)`);
  const icase = base.startsWith("i");
  const one = (t: string): AssertionSpec => ({ type: `${inverse ? "not_" : ""}${icase ? "icontains" : "contains"}`, arg: t });
  const any = base.endsWith("-any");
  // Every value present, or (not-…-any) none present: one assertion per value, all must pass.
  if (any === inverse) return ok(values.map(one));
  if (values.length === 1) return ok([one(values[0]!)]);
  if (inverse)
    return none("not-…-all (some value missing) has no goldwatch form: assertions all pass together, and RE2 patterns have no lookahead");
  // Any value present: one pattern with the values as alternatives, each a literal.
  return ok([{ type: "regex", arg: `/(?:${values.map(escapeRegex).join("|")})/${icase ? "i" : ""}` }]);
}

/** The JSON Schema of `is-json`'s optional value (an object, or its JSON/YAML text). */
function schemaOf(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value !== "string" || value.startsWith("file://")) return undefined;
  try {
    const parsed: unknown = parseYaml(value);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function mapBase(base: string, inverse: boolean, a: PfAssertion, value: unknown): Mapped {
  const neg = (pos: string) => (inverse ? `not_${pos}` : pos);
  switch (base) {
    case "equals": {
      if (value !== null && typeof value === "object") {
        if (inverse) return none("not-equals on a JSON value has no goldwatch form (json_schema has no negation)");
        return ok([{ type: "json_schema", arg: { const: value } }]);
      }
      const t = text(value);
      if (t === undefined) return none("equals needs a text value");
      return ok(
        [{ type: neg("equals"), arg: t }],
        "goldwatch's equals trims spaces and newlines at both ends before comparing; promptfoo compares exactly",
      );
    }
    case "contains":
    case "icontains": {
      const t = text(value);
      return t === undefined ? none(`${base} needs a non-empty text`) : ok([{ type: neg(base), arg: t }]);
    }
    case "contains-any":
    case "contains-all":
    case "icontains-any":
    case "icontains-all":
      return mapList(base, inverse, value);
    case "regex":
      return typeof value === "string" && value ? ok([{ type: neg("regex"), arg: pattern(value) }]) : none("regex needs a pattern");
    case "starts-with":
      return typeof value === "string" && value
        ? ok([{ type: neg("regex"), arg: `^${escapeRegex(value)}` }])
        : none("starts-with needs a text");
    case "is-json": {
      if (inverse) return none("not-is-json has no goldwatch form (json_schema has no negation)");
      const schema = schemaOf(value);
      return schema
        ? ok([{ type: "json_schema", arg: schema }])
        : none("is-json's value is not a JSON Schema goldwatch can read (a file:// schema is not followed)");
    }
    case "contains-json":
      return none(
        "goldwatch's json_schema needs the whole output to be JSON; contains-json finds JSON inside other text (write json_schema by hand if the agent answers with JSON only)",
      );
    case "llm-rubric": {
      if (inverse) return none("not-llm-rubric has no goldwatch form");
      const t = text(value);
      if (t === undefined) return none("llm-rubric needs the rubric as text");
      const arg = { criteria: t, ...(a.threshold !== undefined ? { min_score: Math.min(1, Math.max(0, a.threshold)) } : {}) };
      const caveats = ["graded by goldwatch's judge (the config's judge: model and prompt), not promptfoo's grader"];
      if (a.provider !== undefined || a.rubricPrompt !== undefined) caveats.push("its own provider/rubricPrompt is not carried over");
      return ok([{ type: "judge", arg }], ...caveats);
    }
    case "latency":
    case "cost": {
      if (inverse) return none(`not-${base} has no goldwatch form`);
      if (a.threshold === undefined) return none(`${base} without a threshold only records a metric; there is nothing to check`);
      return ok([{ type: base === "latency" ? "max_latency_ms" : "max_cost_usd", arg: a.threshold }]);
    }
    default:
      return none(`goldwatch has no equivalent of ${base}`);
  }
}

/**
 * One promptfoo assertion as goldwatch assertions. Values are rendered with the test's vars
 * (`{{ name }}` only); each result is checked against the goldwatch type's schema, so a pattern
 * RE2 cannot run is reported instead of written.
 */
export function mapAssertion(raw: unknown, vars: Record<string, unknown>): Mapped {
  const parsed = promptfooAssertion.safeParse(raw);
  if (!parsed.success) return none("expected an assertion {type, value?, threshold?}");
  const a = parsed.data;
  if (a.transform !== undefined)
    return none("its transform changes the output before the check; goldwatch checks the agent's output as it is");
  if (a.type === "assert-set") {
    if (a.threshold !== undefined) return none("assert-set with a threshold (a share of its assertions) has no goldwatch form");
    const inner = (a.assert ?? []).map((x) => mapAssertion(x, vars));
    const missing = inner.find((m) => m.unmapped);
    if (missing) return none(`assert-set: ${missing.unmapped}`);
    return ok(
      inner.flatMap((m) => m.specs),
      ...inner.flatMap((m) => m.caveats),
    );
  }
  const inverse = a.type.startsWith("not-");
  const base = inverse ? a.type.slice(4) : a.type;
  if (CODE.has(base))
    return none(`${base} runs code in promptfoo's runtime; goldwatch has no code assertions (rewrite it as goldwatch assertions)`);
  let value = a.value;
  if (typeof value === "string" && value.startsWith("file://"))
    return none("its value is read from a file (file://), which is not followed");
  if (typeof value === "string" && value.includes("{{")) {
    const r = renderVars(value, vars);
    if ("problem" in r) return none(`its value ${r.problem}`);
    value = r.text;
  }
  const m = mapBase(base, inverse, a, value);
  const problem = m.specs.map(assertionProblem).find(Boolean);
  if (problem) return none(`goldwatch cannot run it: ${problem}`);
  if (a.weight !== undefined && a.weight !== 1)
    m.caveats.push(`weight ${a.weight} is ignored: a goldwatch trial passes when every assertion passes`);
  return m;
}

/** Notes for a mapped assertion at `where`. */
export function notesOf(m: Mapped, where: string, what: string): { unmapped: ImportNote[]; caveats: ImportNote[] } {
  return {
    unmapped: m.unmapped ? [{ where, what, why: m.unmapped }] : [],
    caveats: m.caveats.map((why) => ({ where, what, why })),
  };
}
