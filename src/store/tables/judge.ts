import { doublePrecision, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Verdicts of the LLM judge, keyed by a hash of everything that decides one (rubric text, judge
 * model, question, expected answer, context, output): the same output is never judged twice.
 * Only the hash is stored, not the texts; a verdict is never a judge error.
 */
export const judgeVerdicts = pgTable("judge_verdicts", {
  key: text("key").primaryKey(),
  model: text("model").notNull(),
  /** Built-in rubric name, or `custom`. */
  rubric: text("rubric").notNull(),
  /** pass | fail */
  verdict: text("verdict").notNull(),
  /** 0–10 as the judge gave it. */
  score: doublePrecision("score").notNull(),
  reason: text("reason").notNull(),
  inputTokens: integer("input_tokens").notNull().default(0),
  outputTokens: integer("output_tokens").notNull().default(0),
  costUsd: doublePrecision("cost_usd").notNull().default(0),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  /** Times this verdict was reused instead of asking the judge again. */
  hits: integer("hits").notNull().default(0),
  lastHitAt: timestamp("last_hit_at", { withTimezone: true }),
});
