import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum (see src/store/schema.ts). Migration: migrations/0015_shadow.sql.

const tz = { withTimezone: true } as const;

/**
 * Production inputs kept for shadow evaluation, already PII-redacted when the config asks for it.
 * One row per agent and distinct input (input_hash is sha256 of the stored text), so the same
 * question asked a thousand times is replayed once.
 */
export const samples = pgTable(
  "samples",
  {
    id: text("id").primaryKey(),
    /** The production agent whose traffic this is. */
    agent: text("agent").notNull(),
    /** otlp | jsonl | api */
    source: text("source").notNull(),
    traceId: text("trace_id"),
    input: text("input").notNull(),
    inputHash: text("input_hash").notNull(),
    createdAt: timestamp("created_at", tz).notNull(),
  },
  (t) => [unique("samples_agent_input_hash_key").on(t.agent, t.inputHash), index("samples_agent_created_idx").on(t.agent, t.createdAt)],
);

/** One shadow run: a candidate against an incumbent on sampled inputs, and its summary once finished. */
export const shadowRuns = pgTable(
  "shadow_runs",
  {
    id: text("id").primaryKey(),
    job: text("job").notNull(),
    candidate: text("candidate").notNull(),
    incumbent: text("incumbent").notNull(),
    /** schedule | manual */
    trigger: text("trigger").notNull(),
    slotAt: timestamp("slot_at", tz),
    /** running | completed | failed | budget_exhausted */
    status: text("status").notNull(),
    startedAt: timestamp("started_at", tz).notNull(),
    finishedAt: timestamp("finished_at", tz),
    judgeModel: text("judge_model").notNull(),
    /** The rubric text the judge applied. */
    rubric: text("rubric").notNull(),
    margin: doublePrecision("margin").notNull(),
    alpha: doublePrecision("alpha").notNull(),
    inputs: integer("inputs").notNull().default(0),
    repeats: integer("repeats").notNull(),
    pairs: integer("pairs").notNull().default(0),
    judgeErrors: integer("judge_errors").notNull().default(0),
    forfeits: integer("forfeits").notNull().default(0),
    wins: integer("wins").notNull().default(0),
    losses: integer("losses").notNull().default(0),
    ties: integer("ties").notNull().default(0),
    flips: integer("flips").notNull().default(0),
    tieRate: doublePrecision("tie_rate"),
    swapConsistency: doublePrecision("swap_consistency"),
    winRate: doublePrecision("win_rate"),
    winLow: doublePrecision("win_low"),
    winHigh: doublePrecision("win_high"),
    lcWinRate: doublePrecision("lc_win_rate"),
    lcLow: doublePrecision("lc_low"),
    lcHigh: doublePrecision("lc_high"),
    lengthDiff: doublePrecision("length_diff"),
    /** pass | fail | inconclusive */
    decision: text("decision"),
    decisionLower: doublePrecision("decision_lower"),
    decisionUpper: doublePrecision("decision_upper"),
    pValue: doublePrecision("p_value"),
    reason: text("reason"),
    candidateCostUsd: doublePrecision("candidate_cost_usd").notNull().default(0),
    incumbentCostUsd: doublePrecision("incumbent_cost_usd").notNull().default(0),
    judgeCostUsd: doublePrecision("judge_cost_usd").notNull().default(0),
    candidateP95Ms: doublePrecision("candidate_p95_ms"),
    incumbentP95Ms: doublePrecision("incumbent_p95_ms"),
    /** The whole report as `goldwatch shadow --json` prints it. */
    report: jsonb("report"),
    error: text("error"),
  },
  (t) => [index("shadow_runs_job_started_idx").on(t.job, t.startedAt)],
);

/** One pair (a sampled input × a repeat): both replies' measures and the judge's verdict in each order. */
export const shadowPairVerdicts = pgTable(
  "shadow_pair_verdicts",
  {
    runId: text("run_id").notNull(),
    sampleId: text("sample_id").notNull(),
    repeat: integer("repeat").notNull(),
    createdAt: timestamp("created_at", tz).notNull(),
    /** candidate | incumbent | tie, with the candidate's reply shown first; null: no verdict. */
    candidateFirst: text("candidate_first"),
    /** The same with the incumbent's reply shown first. */
    incumbentFirst: text("incumbent_first"),
    /** Both orders combined (a flip is a tie); null when the pair has no verdict. */
    final: text("final"),
    consistent: boolean("consistent"),
    /** candidate | incumbent | both: that agent gave no reply. */
    forfeit: text("forfeit"),
    candidateLength: integer("candidate_length"),
    incumbentLength: integer("incumbent_length"),
    candidateCostUsd: doublePrecision("candidate_cost_usd").notNull().default(0),
    incumbentCostUsd: doublePrecision("incumbent_cost_usd").notNull().default(0),
    candidateLatencyMs: doublePrecision("candidate_latency_ms"),
    incumbentLatencyMs: doublePrecision("incumbent_latency_ms"),
    candidateError: text("candidate_error"),
    incumbentError: text("incumbent_error"),
    reasonCandidateFirst: text("reason_candidate_first"),
    reasonIncumbentFirst: text("reason_incumbent_first"),
    judgeError: text("judge_error"),
    judgeCostUsd: doublePrecision("judge_cost_usd").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.runId, t.sampleId, t.repeat] })],
);
