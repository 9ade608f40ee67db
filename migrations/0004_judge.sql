CREATE TABLE "judge_verdicts" (
	"key" text PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"rubric" text NOT NULL,
	"verdict" text NOT NULL,
	"score" double precision NOT NULL,
	"reason" text NOT NULL,
	"input_tokens" integer DEFAULT 0 NOT NULL,
	"output_tokens" integer DEFAULT 0 NOT NULL,
	"cost_usd" double precision DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL,
	"last_hit_at" timestamp with time zone
);
