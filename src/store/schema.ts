import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum: drizzle-kit writes both schema-qualified ("public"."x"), which
// would pin every table to the public schema; statuses are text checked in code.

/** One replay of a golden set against an agent, with its aggregates once finished. */
export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    job: text("job").notNull(),
    agent: text("agent").notNull(),
    /** schedule | manual | gate */
    trigger: text("trigger").notNull(),
    slotAt: timestamp("slot_at", { withTimezone: true }),
    goldenName: text("golden_name").notNull(),
    goldenHash: text("golden_hash").notNull(),
    judgeModel: text("judge_model"),
    /** running | completed | failed | aborted | budget_exhausted | runaway */
    status: text("status").notNull(),
    replica: text("replica").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull(),
    cases: integer("cases").notNull(),
    repeats: integer("repeats").notNull(),
    trials: integer("trials").notNull().default(0),
    scored: integer("scored").notNull().default(0),
    passed: integer("passed").notNull().default(0),
    errored: integer("errored").notNull().default(0),
    budgetExceeded: integer("budget_exceeded").notNull().default(0),
    judgeErrors: integer("judge_errors").notNull().default(0),
    accuracy: doublePrecision("accuracy"),
    ciLow: doublePrecision("ci_low"),
    ciHigh: doublePrecision("ci_high"),
    ciMethod: text("ci_method"),
    se: doublePrecision("se"),
    pooledLow: doublePrecision("pooled_low"),
    pooledHigh: doublePrecision("pooled_high"),
    errorRate: doublePrecision("error_rate"),
    p50Ms: doublePrecision("p50_ms"),
    p95Ms: doublePrecision("p95_ms"),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull().default(0),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull().default(0),
    costUsd: doublePrecision("cost_usd").notNull().default(0),
    judgeInputTokens: bigint("judge_input_tokens", { mode: "number" }).notNull().default(0),
    judgeOutputTokens: bigint("judge_output_tokens", { mode: "number" }).notNull().default(0),
    judgeCostUsd: doublePrecision("judge_cost_usd").notNull().default(0),
    /** The model the agent reported most often in this run. */
    agentModel: text("agent_model"),
    agentFingerprint: text("agent_fingerprint"),
    /** Per-case counts: [{id, passes, scored, trials, errors}]. */
    caseStats: jsonb("case_stats"),
    /** Why the run failed or was aborted. */
    error: text("error"),
  },
  (t) => [index("runs_job_started_idx").on(t.job, t.startedAt), index("runs_status_idx").on(t.status)],
);

/** One call of the agent for one case, scored. */
export const trials = pgTable(
  "trials",
  {
    runId: text("run_id").notNull(),
    caseId: text("case_id").notNull(),
    repeat: integer("repeat").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    latencyMs: doublePrecision("latency_ms").notNull(),
    /** pass | fail | error | budget_exceeded | judge_error */
    status: text("status").notNull(),
    passed: boolean("passed").notNull(),
    score: doublePrecision("score").notNull(),
    output: text("output"),
    steps: jsonb("steps"),
    inputTokens: integer("input_tokens").notNull(),
    outputTokens: integer("output_tokens").notNull(),
    costUsd: doublePrecision("cost_usd").notNull(),
    model: text("model"),
    fingerprint: text("fingerprint"),
    errorKind: text("error_kind"),
    errorMessage: text("error_message"),
    assertions: jsonb("assertions"),
  },
  // started_at is in the key because trials are range-partitioned on it (a partitioned table's
  // unique keys must include the partition column); see src/store/partitions.ts.
  (t) => [primaryKey({ columns: [t.runId, t.caseId, t.repeat, t.startedAt] })],
);
