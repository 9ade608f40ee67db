-- Production spend from OTLP GenAI spans (issue 15): minute buckets that receivers add to.
CREATE TABLE "spend_minutes" (
	"minute" timestamp with time zone NOT NULL,
	"agent" text NOT NULL,
	"service" text NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"calls" bigint DEFAULT 0 NOT NULL,
	"input_tokens" bigint DEFAULT 0 NOT NULL,
	"output_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_read_tokens" bigint DEFAULT 0 NOT NULL,
	"cache_creation_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"unpriced_calls" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "spend_minutes_pk" PRIMARY KEY("minute","agent","service","provider","model")
);
--> statement-breakpoint
CREATE INDEX "spend_minutes_agent_minute_idx" ON "spend_minutes" USING btree ("agent","minute");
