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
  return scoreNow(specs, kase, obs, signal, services);
}

/**
 * `scoreTrial`, synchronous unless an assertion is (the judge): the engine awaits only then,
 * saving a promise and a microtask turn on every trial.
 */
export function scoreNow(
  specs: readonly AssertionSpec[],
  kase: CaseView,
  obs: Observation,
  signal: AbortSignal,
  services: ScoringServices = {},
): TrialScore | Promise<TrialScore> {
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
  const settle = (settled: AssertionResult[]) => verdict(settled, loopFound());
  return pending.some((r) => r instanceof Promise) ? Promise.all(pending).then(settle) : settle(pending as AssertionResult[]);
}

/** The trial's status and score from its assertions' results (judge errors are undecided). */
function verdict(settled: AssertionResult[], loops: AssertionResult[]): TrialScore {
  const assertions = loops.length > 0 ? [...settled, ...loops] : settled;
  let decided = 0;
  let passed = 0;
  for (const a of assertions) {
    if (a.kind === "judge_error") continue;
    decided++;
    if (a.passed) passed++;
  }
  const status: TrialStatus = passed < decided ? "fail" : decided < assertions.length ? "judge_error" : "pass";
  return { status, passed: status === "pass", score: decided === 0 ? 0 : passed / decided, assertions };
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
