// A finished run as it is stored: the one mapping from its summary (what `goldwatch run` prints,
// `run:finished` carries and the detectors judge) to its row. Pure.
import type { RunRow, RunStatus } from "../store/runs.ts";
import type { RunSummary } from "./summary.ts";

/** Columns written when the run starts and never changed: its trigger, slot and process. */
type StartOnly = "trigger" | "slotAt" | "replica";
/** Columns that identify the run, written when it starts. */
type Identity = "id" | "job" | "agent" | "goldenName" | "goldenHash" | "judgeModel" | "startedAt" | "cases" | "repeats";

/** What finishing a run writes to its row: every column but those its start wrote. */
export type FinishedRunRow = Omit<RunRow, StartOnly | Identity> & { status: RunStatus };

/** A finished run's row as it reads back, but for the columns only its start knows. */
export type StoredRun = Omit<RunRow, StartOnly>;

/** The columns a finished run sets (finishRun): status, end, counts, accuracy, latency, spend, per-case counts. */
export function finishedRunRow(s: RunSummary): FinishedRunRow {
  const acc = s.accuracy;
  const finishedAt = new Date(s.finishedAt);
  return {
    status: s.status,
    finishedAt,
    heartbeatAt: finishedAt,
    trials: s.trials,
    scored: s.scored,
    passed: s.passed,
    errored: s.errored,
    budgetExceeded: s.budgetExceeded,
    judgeErrors: s.judgeErrors,
    accuracy: acc?.estimate ?? null,
    ciLow: acc?.low ?? null,
    ciHigh: acc?.high ?? null,
    ciMethod: acc?.method ?? null,
    se: acc && Number.isFinite(acc.se) ? acc.se : null,
    pooledLow: acc?.pooled.low ?? null,
    pooledHigh: acc?.pooled.high ?? null,
    errorRate: s.errorRate,
    p50Ms: s.latency.p50Ms,
    p95Ms: s.latency.p95Ms,
    inputTokens: s.tokens.input,
    outputTokens: s.tokens.output,
    costUsd: s.costUsd,
    judgeInputTokens: s.judge?.inputTokens ?? 0,
    judgeOutputTokens: s.judge?.outputTokens ?? 0,
    judgeCostUsd: s.judge?.costUsd ?? 0,
    agentModel: s.model,
    agentFingerprint: s.fingerprint,
    caseStats: s.perCase,
    error: s.error ?? null,
  };
}

/**
 * The finished run's row without reading it back: what its start wrote (the judge model is the
 * judge's that scored it, as executeRun stores it) and finishedRunRow. The detectors see the run
 * they judge through this, and its history through the stored rows, so both read alike.
 */
export function toRunRow(s: RunSummary): StoredRun {
  return {
    id: s.runId,
    job: s.job,
    agent: s.agent,
    goldenName: s.goldenName,
    goldenHash: s.goldenHash,
    judgeModel: s.judge?.model ?? null,
    startedAt: new Date(s.startedAt),
    cases: s.cases,
    repeats: s.repeats,
    ...finishedRunRow(s),
  };
}
