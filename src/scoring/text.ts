import { z } from "zod";
import { compileLinear } from "./regex.ts";
import { defineAssertion, type AssertionDef } from "./types.ts";

const out = (o: string | null) => o ?? "";
const quote = (s: string, max = 80) => JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);

const regexArg = z.string().superRefine((p, ctx) => {
  try {
    compileLinear(p);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: `expected a regular expression: ${(e as Error).message}` });
  }
});

/** Text assertions on the agent's final output. */
export const textAssertions: Record<string, AssertionDef> = {
  equals: defineAssertion({
    schema: z.string(),
    evaluate: (want, { obs }) => {
      const got = out(obs.output).trim();
      return got === want.trim()
        ? { type: "equals", passed: true, reason: "output equals expected" }
        : { type: "equals", passed: false, reason: `output ${quote(got)} is not ${quote(want)}` };
    },
  }),
  not_equals: defineAssertion({
    schema: z.string(),
    evaluate: (bad, { obs }) => {
      const passed = out(obs.output).trim() !== bad.trim();
      return { type: "not_equals", passed, reason: passed ? "output differs" : `output equals ${quote(bad)}` };
    },
  }),
  contains: defineAssertion({
    schema: z.string().min(1),
    evaluate: (s, { obs }) => {
      const passed = out(obs.output).includes(s);
      return { type: "contains", passed, reason: passed ? `contains ${quote(s)}` : `does not contain ${quote(s)}` };
    },
  }),
  icontains: defineAssertion({
    schema: z.string().min(1),
    evaluate: (s, { obs }) => {
      const passed = out(obs.output).toLowerCase().includes(s.toLowerCase());
      return {
        type: "icontains",
        passed,
        reason: passed ? `contains ${quote(s)} (any case)` : `does not contain ${quote(s)} (any case)`,
      };
    },
  }),
  not_contains: defineAssertion({
    schema: z.string().min(1),
    evaluate: (s, { obs }) => {
      const passed = !out(obs.output).includes(s);
      return { type: "not_contains", passed, reason: passed ? `free of ${quote(s)}` : `contains ${quote(s)}` };
    },
  }),
  not_icontains: defineAssertion({
    schema: z.string().min(1),
    evaluate: (s, { obs }) => {
      const passed = !out(obs.output).toLowerCase().includes(s.toLowerCase());
      return {
        type: "not_icontains",
        passed,
        reason: passed ? `free of ${quote(s)} (any case)` : `contains ${quote(s)} (any case)`,
      };
    },
  }),
  regex: defineAssertion({
    schema: regexArg,
    evaluate: (p, { obs }) => {
      const passed = compileLinear(p).test(out(obs.output));
      return { type: "regex", passed, reason: passed ? `matches ${p}` : `does not match ${p}` };
    },
  }),
  not_regex: defineAssertion({
    schema: regexArg,
    evaluate: (p, { obs }) => {
      const passed = !compileLinear(p).test(out(obs.output));
      return { type: "not_regex", passed, reason: passed ? `does not match ${p}` : `matches ${p}` };
    },
  }),
};
