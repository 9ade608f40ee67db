import { bigint, doublePrecision, index, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum (see src/store/schema.ts).

const tz = { withTimezone: true } as const;

/**
 * Production spend from OTLP GenAI spans, one row per minute × agent × service × provider × model.
 * Receivers add to a row (insert … on conflict do update set x = x + excluded.x), so replicas
 * ingesting at once each add what they received and nothing is overwritten.
 */
export const spendMinutes = pgTable(
  "spend_minutes",
  {
    /** Start of the minute (UTC) the span ended in. */
    minute: timestamp("minute", tz).notNull(),
    /** The nearest invoke_agent ancestor's gen_ai.agent.name, else the resource's service.name. */
    agent: text("agent").notNull(),
    /** The resource's service.name ("" when absent). */
    service: text("service").notNull(),
    /** gen_ai.provider.name (or the older gen_ai.system); "" when absent. */
    provider: text("provider").notNull(),
    /** gen_ai.response.model, else gen_ai.request.model / llm.model_name; "" when absent. */
    model: text("model").notNull(),
    /** Inference spans counted. */
    calls: bigint("calls", { mode: "number" }).notNull().default(0),
    inputTokens: bigint("input_tokens", { mode: "number" }).notNull().default(0),
    outputTokens: bigint("output_tokens", { mode: "number" }).notNull().default(0),
    cacheReadTokens: bigint("cache_read_tokens", { mode: "number" }).notNull().default(0),
    cacheCreationTokens: bigint("cache_creation_tokens", { mode: "number" }).notNull().default(0),
    /** Priced spend in USD (price table, or the span's own llm.cost.total). */
    costUsd: doublePrecision("cost_usd").notNull().default(0),
    /** Calls whose model has no price: counted in tokens, never priced at $0 silently. */
    unpricedCalls: bigint("unpriced_calls", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.minute, t.agent, t.service, t.provider, t.model] }),
    index("spend_minutes_agent_minute_idx").on(t.agent, t.minute),
  ],
);
