import type { Observation } from "../agents/types.ts";
import { assertionRegistry } from "./registry.ts";
import { DEFAULT_MAX_REPEATS, loopResult } from "./trajectory.ts";
import type { AssertionContext, AssertionResult, AssertionSpec, CaseView, ScoringServices } from "./types.ts";

/**
 * How a trial ended. `error` (the agent gave no scorable answer: no reply before its `timeout` or
 * the trial's `ttl`, an HTTP or network error, an unparsable reply) and `judge_error` (the judge
 * gave no verdict) are not counted in accuracy; `budget_exceeded` (a bound crossed by a reply that
 * arrived, see src/engine/budget.ts) counts as a failure, since running away with the budget is
 * the agent's fault. The status follows the observation's error kind alone.
 */
export type TrialStatus = "pass" | "fail" | "error" | "budget_exceeded" | "judge_error";

export interface TrialScore {
  status: TrialStatus;
  passed: boolean;
  /** Fraction of decided assertions that passed. */
  score: number;
  assertions: AssertionResult[];
}

/** True when a trial with this status counts towards accuracy. */
export const isScored = (s: TrialStatus): boolean => s === "pass" || s === "fail" || s === "budget_exceeded";

/**
 * Runs every assertion of a case on one observation. Never throws. Every trial is also checked
 * for loops (the same tool call repeated more than 3 times) unless the case sets `no_loop` itself;
 * the implicit check is listed only when it finds one.
 */
export async function scoreTrial(
  specs: readonly AssertionSpec[],
  kase: CaseView,
  obs: Observation,
  signal: AbortSignal,
  services: ScoringServices = {},
): Promise<TrialScore> {
  const loopFound = (): AssertionResult[] => {
    if (obs.steps.length <= DEFAULT_MAX_REPEATS || specs.some((s) => s.type === "no_loop")) return [];
    const r = loopResult(obs.steps, DEFAULT_MAX_REPEATS);
    return r.passed ? [] : [r];
  };
  if (obs.error) {
    if (obs.error.kind === "budget_exceeded") {
      // Not scored on its answer, but a loop in the steps it took says why it ran away.
      return { status: "budget_exceeded", passed: false, score: 0, assertions: loopFound() };
    }
    return { status: "error", passed: false, score: 0, assertions: [] };
  }
  const ctx: AssertionContext = { case: kase, obs, signal, judge: services.judge };
  // Most assertions are synchronous: awaited only when one is not (the judge).
  const pending = specs.map((spec) => runOne(spec, ctx));
  const settled = pending.some((r) => r instanceof Promise) ? await Promise.all(pending) : (pending as AssertionResult[]);
  const assertions = [...settled, ...loopFound()];
  const decided = assertions.filter((a) => a.kind !== "judge_error");
  const failed = decided.some((a) => !a.passed);
  const undecided = decided.length < assertions.length;
  const status: TrialStatus = failed ? "fail" : undecided ? "judge_error" : "pass";
  const score = decided.length === 0 ? 0 : decided.filter((a) => a.passed).length / decided.length;
  return { status, passed: status === "pass", score, assertions };
}

function runOne(spec: AssertionSpec, ctx: AssertionContext): AssertionResult | Promise<AssertionResult> {
  const def = assertionRegistry[spec.type];
  if (!def) return { type: spec.type, passed: false, reason: `unknown assertion type ${spec.type}` };
  const failed = (e: unknown): AssertionResult => ({
    type: spec.type,
    passed: false,
    reason: `assertion failed to evaluate: ${(e as Error).message}`,
  });
  try {
    const result = def.evaluate(spec.arg, ctx);
    return result instanceof Promise ? result.catch(failed) : result;
  } catch (e) {
    return failed(e);
  }
}
