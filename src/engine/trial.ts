// One trial: one case of the golden set replayed once against the agent, within its budget, and
// scored.
import type { Agent, Observation } from "../agents/types.ts";
import type { Clock } from "../clock.ts";
import { assertionsOf, type GoldenCase } from "../load/golden.ts";
import type { Redactor } from "../config/secrets.ts";
import type { JudgeService } from "../scoring/judge/service.ts";
import { scoreNow } from "../scoring/score.ts";
import type { TrialRow } from "../store/trials.ts";
import { callWithBudget, type TrialBounds } from "./budget.ts";
import { toTrialRow } from "./trial-row.ts";

/** What every trial of a run shares. */
export interface TrialContext {
  runId: string;
  agent: Agent;
  /** The job's `budget.trial`. */
  bounds: TrialBounds;
  clock: Clock;
  secrets: Redactor;
  /** The LLM judge for `judge:` assertions, when the config has one. */
  judge: JudgeService | undefined;
  /** Store outputs with personal data replaced (the job's `redact_pii`). */
  redactPii: boolean;
  /** The run's signal: aborting it cancels the trial. */
  signal: AbortSignal;
  /** Awaited before the trial starts (the gate's lockstep); not part of its budget or its start. */
  beforeTrial?: ((caseId: string, signal: AbortSignal) => Promise<void>) | undefined;
}

/** One case, one repeat. */
export interface WorkItem {
  kase: GoldenCase;
  repeat: number;
}

/** Repeat-major order: a run cut short still covers every case about equally. */
export function* workItems(cases: readonly GoldenCase[], repeats: number): Generator<WorkItem> {
  for (let repeat = 0; repeat < repeats; repeat++) for (const kase of cases) yield { kase, repeat };
}

/**
 * Calls the agent for one case within the trial's budget, scores the reply and returns the row
 * to store. Agent failures are data (an error trial); so is an adapter that throws (a bug in it).
 */
export async function runTrial(ctx: TrialContext, { kase, repeat }: WorkItem): Promise<TrialRow> {
  const { clock, signal } = ctx;
  // Awaited only when there is one (the gate): awaiting undefined costs every trial a microtask turn.
  if (ctx.beforeTrial) await ctx.beforeTrial(kase.id, signal);
  const startedAt = clock.now();
  const trialId = `${ctx.runId}:${kase.id}:${repeat}`;
  let obs: Observation;
  try {
    obs = await callWithBudget(ctx.agent, { input: kase.input, caseId: kase.id, trialId, signal }, ctx.bounds, clock);
  } catch (e) {
    obs = {
      output: null,
      steps: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      model: null,
      fingerprint: null,
      latencyMs: clock.now().getTime() - startedAt.getTime(),
      costUsd: 0,
      error: { kind: "network", message: `agent adapter failed: ${(e as Error).message}` },
    };
  }
  const scoring = scoreNow(
    assertionsOf(kase),
    { id: kase.id, input: kase.input, expected: kase.expected, context: kase.context },
    obs,
    signal,
    { judge: ctx.judge },
  );
  const score = scoring instanceof Promise ? await scoring : scoring;
  return toTrialRow({ runId: ctx.runId, caseId: kase.id, repeat, startedAt, obs, score }, { secrets: ctx.secrets, pii: ctx.redactPii });
}
