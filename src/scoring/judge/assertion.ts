import { z } from "zod";
import { defineAssertion, type AssertionDef, type AssertionResult } from "../types.ts";
import { RUBRIC_NEEDS, RUBRICS } from "./rubrics.ts";
import { BUILTIN_RUBRICS, type JudgeRequest } from "./types.ts";

const rubricName = z.enum(BUILTIN_RUBRICS, { error: () => `expected one of: ${BUILTIN_RUBRICS.join(", ")}` });

/**
 * `judge: faithfulness`, or `{rubric: correctness | faithfulness | relevance | safety}` or
 * `{criteria: "your own rubric text"}`, with optional `context`, `expected` (else the case's) and
 * `min_score` (0–1: the judge's score must reach it as well as its verdict being pass).
 */
export const judgeArg = z.preprocess(
  // `judge: faithfulness` is short for `judge: {rubric: faithfulness}`.
  (v) => (typeof v === "string" ? { rubric: v } : v),
  z
    .strictObject({
      rubric: rubricName.optional(),
      criteria: z.string().min(1).optional(),
      context: z.string().optional(),
      expected: z.string().optional(),
      min_score: z.number().min(0).max(1).optional(),
    })
    .superRefine((a, ctx) => {
      if ((a.rubric === undefined) === (a.criteria === undefined)) {
        ctx.addIssue({
          code: "custom",
          message: `expected either rubric (${BUILTIN_RUBRICS.join(", ")}) or criteria (your own rubric text), not ${a.rubric ? "both" : "neither"}`,
        });
      }
    }),
);
export type JudgeArg = z.output<typeof judgeArg>;

/** The field a judge assertion still lacks given its case (`expected` for correctness, `context` for faithfulness). */
export function missingJudgeField(
  arg: JudgeArg,
  kase: { expected?: string | undefined; context?: string | undefined },
): "expected" | "context" | undefined {
  if (!arg.rubric) return undefined;
  const need = RUBRIC_NEEDS[arg.rubric];
  if (need === "expected" && (arg.expected ?? kase.expected) === undefined) return "expected";
  if (need === "context" && (arg.context ?? kase.context) === undefined) return "context";
  return undefined;
}

const judgeError = (reason: string, model?: string): AssertionResult => ({
  type: "judge",
  passed: false,
  kind: "judge_error",
  reason,
  ...(model ? { model } : {}),
});

/** LLM-as-judge: a rubric applied by the configured judge model to the agent's output. */
export const judgeAssertions: Record<string, AssertionDef> = {
  judge: defineAssertion({
    schema: judgeArg,
    async evaluate(arg, { case: kase, obs, judge, signal }) {
      if (!judge) return judgeError("no judge is configured (add a judge: section to the config)");
      const missing = missingJudgeField(arg, kase);
      if (missing) return judgeError(`the ${arg.rubric} rubric needs ${missing}, and the case has none`);
      const req: JudgeRequest = {
        rubric: arg.rubric ?? "custom",
        criteria: arg.rubric ? RUBRICS[arg.rubric] : arg.criteria!,
        input: kase.input,
        output: obs.output ?? "",
        expected: arg.expected ?? kase.expected,
        context: arg.context ?? kase.context,
      };
      const outcome = await judge.verdict(req, signal);
      if (!outcome.ok) return judgeError(outcome.error, outcome.model);
      const score = outcome.score / 10;
      const passed = outcome.verdict === "pass" && (arg.min_score === undefined || score >= arg.min_score);
      const below = outcome.verdict === "pass" && !passed ? ` (score ${outcome.score}/10 below ${arg.min_score! * 10})` : "";
      return {
        type: "judge",
        passed,
        reason: `${req.rubric} ${outcome.verdict}${below}: ${outcome.reason}`,
        score,
        model: outcome.model,
        cached: outcome.cached,
      };
    },
  }),
};
