import { Ajv } from "ajv";
import { z } from "zod";
import { ajvRegExp } from "./regex.ts";
import { defineAssertion, type AssertionDef } from "./types.ts";

// JSON Schema `pattern`s run on RE2 too: no golden-set pattern can backtrack (see regex.ts).
// Made at the first json_schema assertion: building it (meta-schemas) is start-up time most runs skip.
let shared: Ajv | undefined;
const ajv = (): Ajv => (shared ??= new Ajv({ allErrors: true, strict: false, code: { regExp: ajvRegExp } }));

const jsonSchemaArg = z.record(z.string(), z.unknown()).superRefine((schema, ctx) => {
  try {
    ajv().compile(schema);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `expected a valid JSON Schema (${(e as Error).message})` });
  }
});

const numericArg = z.union([z.number(), z.strictObject({ value: z.number(), tolerance: z.number().nonnegative().default(0) })]);

/** First number in the text: the whole output when it is a number, else the first numeric token. */
function extractNumber(text: string): number | undefined {
  const whole = Number(text.trim());
  if (text.trim() !== "" && Number.isFinite(whole)) return whole;
  const m = /-?\d+(?:[.,]\d+)*(?:\.\d+)?(?:e-?\d+)?/i.exec(text);
  return m ? Number(m[0].replace(/,/g, "")) : undefined;
}

/** Assertions on the shape, number and cost of a reply. */
export const structuredAssertions: Record<string, AssertionDef> = {
  json_schema: defineAssertion({
    schema: jsonSchemaArg,
    evaluate: (schema, { obs }) => {
      let value: unknown;
      try {
        value = JSON.parse(obs.output ?? "");
      } catch {
        return { type: "json_schema", passed: false, reason: "output is not JSON" };
      }
      const validate = ajv().compile(schema);
      if (validate(value)) return { type: "json_schema", passed: true, reason: "output matches the schema" };
      const first = validate.errors?.[0];
      return {
        type: "json_schema",
        passed: false,
        reason: `output does not match the schema: ${first?.instancePath || "/"} ${first?.message ?? ""}`.trim(),
      };
    },
  }),
  numeric: defineAssertion({
    schema: numericArg,
    evaluate: (arg, { obs }) => {
      const { value, tolerance } = typeof arg === "number" ? { value: arg, tolerance: 0 } : arg;
      const got = extractNumber(obs.output ?? "");
      if (got === undefined) return { type: "numeric", passed: false, reason: "output has no number" };
      const passed = Math.abs(got - value) <= tolerance;
      return {
        type: "numeric",
        passed,
        reason: passed ? `${got} is within ${tolerance} of ${value}` : `${got} is not within ${tolerance} of ${value}`,
      };
    },
  }),
  max_latency_ms: defineAssertion({
    schema: z.number().positive(),
    evaluate: (max, { obs }) => {
      const passed = obs.latencyMs <= max;
      return {
        type: "max_latency_ms",
        passed,
        reason: `${Math.round(obs.latencyMs)} ms ${passed ? "≤" : ">"} ${max} ms`,
      };
    },
  }),
  max_cost_usd: defineAssertion({
    schema: z.number().nonnegative(),
    evaluate: (max, { obs }) => {
      const passed = obs.costUsd <= max;
      return {
        type: "max_cost_usd",
        passed,
        reason: `$${obs.costUsd.toFixed(6)} ${passed ? "≤" : ">"} $${max}`,
      };
    },
  }),
};
