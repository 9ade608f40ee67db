// One pair: an input answered by both agents at the same moment, then judged in both orders.
import type { Agent } from "../agents/types.ts";
import type { Clock } from "../clock.ts";
import { TrialBudget, type TrialBounds } from "../engine/budget.ts";
import type { PairwiseJudge } from "../scoring/judge/pairwise.ts";
import { combineOrders, preferenceOf, type PairObservation, type Preference } from "../stats/pairwise.ts";
import type { NewPairVerdict } from "./store.ts";

/** One agent's reply as the comparison needs it. */
export interface Reply {
  /** The answer; null when there was none (error, timeout, budget). */
  output: string | null;
  error: string | null;
  costUsd: number;
  latencyMs: number;
}

/** Calls an agent under the trial budget; an agent's failure is data, never a throw. */
export async function replyOf(
  agent: Agent,
  input: string,
  ids: { caseId: string; trialId: string },
  bounds: TrialBounds,
  clock: Clock,
  signal: AbortSignal,
): Promise<Reply> {
  const budget = new TrialBudget(bounds, { clock, signal });
  try {
    const obs = budget.settle(await agent.call({ input, ...ids, signal: budget.signal, meter: budget }));
    const error = obs.error?.message ?? (obs.output === null ? "the reply had no output" : null);
    return { output: error ? null : obs.output, error, costUsd: obs.costUsd, latencyMs: obs.latencyMs };
  } catch (e) {
    budget.dispose();
    return { output: null, error: `agent call failed: ${(e as Error).message}`, costUsd: 0, latencyMs: 0 };
  }
}

/** A judged pair: what the statistics read, and the row stored. */
export interface JudgedPair {
  observation: PairObservation;
  row: Omit<NewPairVerdict, "runId" | "createdAt">;
}

/**
 * Judges both orders of one pair (candidate first, then incumbent first, sent together) and
 * combines them; an agent without a reply forfeits without asking the judge, and a judge error in
 * either order leaves the pair without a verdict.
 */
export async function judgePair(
  judge: PairwiseJudge,
  p: { sampleId: string; repeat: number; input: string; criteria: string; candidate: Reply; incumbent: Reply },
  signal: AbortSignal,
): Promise<JudgedPair> {
  const { candidate: c, incumbent: i } = p;
  const base = {
    sampleId: p.sampleId,
    repeat: p.repeat,
    candidateLength: c.output?.length ?? null,
    incumbentLength: i.output?.length ?? null,
    candidateCostUsd: c.costUsd,
    incumbentCostUsd: i.costUsd,
    candidateLatencyMs: c.output !== null ? c.latencyMs : null,
    incumbentLatencyMs: i.output !== null ? i.latencyMs : null,
    candidateError: c.error,
    incumbentError: i.error,
  };
  const obs = { cluster: p.sampleId, candidateFirst: null, incumbentFirst: null, candidateLength: 0, incumbentLength: 0 };
  if (c.output === null || i.output === null) {
    const forfeit = c.output === null && i.output === null ? "both" : c.output === null ? "candidate" : "incumbent";
    const final: Preference | null = forfeit === "both" ? null : forfeit === "candidate" ? "incumbent" : "candidate";
    return { observation: { ...obs, forfeit }, row: { ...base, forfeit, final } };
  }
  const ask = (first: string, second: string) => judge.compare({ criteria: p.criteria, input: p.input, first, second }, signal);
  const [cf, inf] = await Promise.all([ask(c.output, i.output), ask(i.output, c.output)]);
  const candidateFirst = cf.ok ? preferenceOf(cf.winner, "candidate") : null;
  const incumbentFirst = inf.ok ? preferenceOf(inf.winner, "incumbent") : null;
  const combined = candidateFirst && incumbentFirst ? combineOrders(candidateFirst, incumbentFirst) : undefined;
  const judgeError = [cf, inf].flatMap((o) => (o.ok ? [] : [o.error])).join("; ") || null;
  return {
    observation: { ...obs, candidateFirst, incumbentFirst, candidateLength: c.output.length, incumbentLength: i.output.length },
    row: {
      ...base,
      candidateFirst,
      incumbentFirst,
      final: combined?.final ?? null,
      consistent: combined?.consistent ?? null,
      reasonCandidateFirst: cf.ok ? cf.reason : null,
      reasonIncumbentFirst: inf.ok ? inf.reason : null,
      judgeError,
      judgeCostUsd: cf.costUsd + inf.costUsd,
    },
  };
}
