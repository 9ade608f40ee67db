// A scored trial as it is stored: capped, with secrets (and, when the job asks, personal data)
// removed. Pure.
import type { Observation } from "../agents/types.ts";
import type { Redactor } from "../config/secrets.ts";
import { redactPiiDeep } from "../scoring/pii.ts";
import type { TrialScore } from "../scoring/score.ts";
import type { TrialRow } from "../store/trials.ts";

/** Stored outputs are capped; a 50 MB reply must not become a 50 MB row. */
export const MAX_STORED_OUTPUT = 32 * 1024;

/** One finished trial: which one, when it started, what the agent did and how it scored. */
export interface TrialOutcome {
  runId: string;
  caseId: string;
  repeat: number;
  startedAt: Date;
  obs: Observation;
  score: TrialScore;
}

/** What is removed before a trial is stored. */
export interface TrialRedaction {
  secrets: Redactor;
  /** Also replace personal data (the job's `redact_pii`). */
  pii: boolean;
}

const cap = (s: string | null) =>
  s === null || s.length <= MAX_STORED_OUTPUT ? s : `${s.slice(0, MAX_STORED_OUTPUT)}…[truncated ${s.length - MAX_STORED_OUTPUT} chars]`;

/**
 * The stored row of a trial. It was scored on the real output (no_pii must see it); the row
 * keeps it redacted, and the assertion reasons too, since they quote the output (and judges
 * paraphrase it).
 */
export function toTrialRow(t: TrialOutcome, redaction: TrialRedaction): TrialRow {
  const { obs, score } = t;
  const { secrets } = redaction;
  const pii = redaction.pii ? redactPiiDeep : <T>(v: T): T => v;
  return {
    runId: t.runId,
    caseId: t.caseId,
    repeat: t.repeat,
    startedAt: t.startedAt,
    latencyMs: obs.latencyMs,
    status: score.status,
    passed: score.passed,
    score: score.score,
    output: cap(obs.output === null ? null : pii(secrets.redact(obs.output))),
    steps: obs.steps.length > 0 ? pii(secrets.redactDeep(obs.steps)) : null,
    inputTokens: obs.usage.inputTokens,
    outputTokens: obs.usage.outputTokens,
    costUsd: obs.costUsd,
    model: obs.model,
    fingerprint: obs.fingerprint,
    errorKind: obs.error?.kind ?? null,
    errorMessage: obs.error ? pii(secrets.redact(obs.error.message)) : null,
    assertions: score.assertions.length > 0 ? pii(secrets.redactDeep(score.assertions)) : null,
  };
}

/** The bound a budget trip names in its message (describeTrip: "… (budget.trial.tokens)"). */
const TRIP_BOUND = /[(]budget[.]trial[.]([a-z]+)[)]/;

/**
 * Why a trial ran away: the bound it hit with a reply that arrived ("budget" when its message
 * names none), or "loop" when its loop check failed within budget; null when it did not. The run's
 * aggregates read it the same way from stored rows (aggregateTrials in store/runs.ts).
 */
export function runawayReason(row: TrialRow): string | null {
  if (row.status === "budget_exceeded") return TRIP_BOUND.exec(row.errorMessage ?? "")?.[1] ?? "budget";
  const looped = Array.isArray(row.assertions) && row.assertions.some((a) => (a as { kind?: unknown } | null)?.kind === "loop");
  return looped ? "loop" : null;
}

/** A trial that hit a budget bound with a reply that arrived, or looped (its loop check failed). */
export const isRunawayTrial = (row: TrialRow): boolean => runawayReason(row) !== null;
