-- Production spend views over spend_minutes (issue 15). Dollars rounded to 8 decimals like the
-- other report views; sum the table itself for full precision.
CREATE VIEW spend_minutely AS
SELECT
  minute, agent,
  sum(calls)::bigint AS calls,
  sum(input_tokens)::bigint AS input_tokens,
  sum(output_tokens)::bigint AS output_tokens,
  sum(cache_read_tokens)::bigint AS cache_read_tokens,
  sum(cache_creation_tokens)::bigint AS cache_creation_tokens,
  gw_round(sum(cost_usd), 8) AS cost_usd,
  sum(unpriced_calls)::bigint AS unpriced_calls
FROM spend_minutes
GROUP BY minute, agent;
--> statement-breakpoint
CREATE VIEW spend_by_agent_daily AS
SELECT
  (minute AT TIME ZONE 'UTC')::date AS day, agent, model,
  sum(calls)::bigint AS calls,
  sum(input_tokens)::bigint AS input_tokens,
  sum(output_tokens)::bigint AS output_tokens,
  sum(cache_read_tokens)::bigint AS cache_read_tokens,
  sum(cache_creation_tokens)::bigint AS cache_creation_tokens,
  gw_round(sum(cost_usd), 8) AS cost_usd,
  sum(unpriced_calls)::bigint AS unpriced_calls
FROM spend_minutes
GROUP BY 1, agent, model;
--> statement-breakpoint
-- Debug sampling (ingest.sample_raw_spans, off by default): what the receiver read from sampled
-- GenAI spans and what it made of them; deleted after ingest.raw_span_retention.
CREATE TABLE "ingest_raw_spans" (
	"received_at" timestamp with time zone NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"trace_id" text NOT NULL,
	"span_id" text NOT NULL,
	"parent_span_id" text NOT NULL,
	"service" text NOT NULL,
	"kind" text NOT NULL,
	"agent" text,
	"model" text,
	"cost_usd" double precision,
	"unpriced" boolean,
	"reason" text,
	"attributes" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ingest_raw_spans_received_idx" ON "ingest_raw_spans" USING btree ("received_at");
