import { boolean, doublePrecision, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

const tz = { withTimezone: true } as const;

/**
 * Sampled GenAI spans for debugging the receiver (`ingest.sample_raw_spans`, off by default): the
 * attributes it read (input messages never) and what it made of them. Kept `raw_span_retention`.
 */
export const ingestRawSpans = pgTable(
  "ingest_raw_spans",
  {
    receivedAt: timestamp("received_at", tz).notNull(),
    /** The span's end (else start) time. */
    at: timestamp("at", tz).notNull(),
    traceId: text("trace_id").notNull(),
    spanId: text("span_id").notNull(),
    parentSpanId: text("parent_span_id").notNull(),
    service: text("service").notNull(),
    /** inference | agent | rejected */
    kind: text("kind").notNull(),
    agent: text("agent"),
    model: text("model"),
    costUsd: doublePrecision("cost_usd"),
    unpriced: boolean("unpriced"),
    /** Why a rejected span was rejected. */
    reason: text("reason"),
    attributes: jsonb("attributes").$type<Record<string, string | number | boolean>>().notNull(),
  },
  (t) => [index("ingest_raw_spans_received_idx").on(t.receivedAt)],
);
