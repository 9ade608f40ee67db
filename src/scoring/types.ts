import type { z } from "zod";
import type { Observation } from "../agents/types.ts";
import type { Judge } from "./judge/types.ts";

/** The outcome of one assertion on one trial; stored with the trial. */
export interface AssertionResult {
  type: string;
  passed: boolean;
  reason: string;
  /**
   * `judge_error`: the judge could not give a verdict; not counted as the agent's failure.
   * `loop`: the agent repeated the same tool call. Absent for ordinary pass/fail.
   */
  kind?: "judge_error" | "loop";
  /** A graded score in [0, 1], when the assertion has one (judge rubrics). */
  score?: number;
  /** The judge model that gave the verdict (judge rubrics). */
  model?: string;
  /** True when the verdict came from the cache rather than a new judge call. */
  cached?: boolean;
}

/** What a case looks like to an assertion. */
export interface CaseView {
  id: string;
  input: string;
  expected?: string | undefined;
  context?: string | undefined;
}

/** Everything an assertion may look at. */
export interface AssertionContext {
  case: CaseView;
  obs: Observation;
  signal: AbortSignal;
  /** The LLM judge, when the config has one (golden-set validation requires it for `judge:`). */
  judge?: Judge | undefined;
}

/** Services scoring may use. */
export interface ScoringServices {
  judge?: Judge | undefined;
}

/** An assertion type: how its argument is written in a golden set, and how it decides. */
export interface AssertionDef<S extends z.ZodType = z.ZodType> {
  /** Validates the argument, e.g. the `"30 days"` of `contains: "30 days"`. */
  schema: S;
  evaluate(arg: z.output<S>, ctx: AssertionContext): AssertionResult | Promise<AssertionResult>;
}

/** A parsed assertion from a golden set: its type name and its validated argument. */
export interface AssertionSpec {
  type: string;
  arg: unknown;
}

export const defineAssertion = <S extends z.ZodType>(def: AssertionDef<S>): AssertionDef => def as AssertionDef;
