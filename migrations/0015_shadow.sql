-- Shadow evaluation (issue 16): sampled production inputs, candidate-vs-incumbent runs judged
-- pairwise, and the views shadow_summary and shadow_pairs.
CREATE TABLE "samples" (
	"id" text PRIMARY KEY NOT NULL,
	"agent" text NOT NULL,
	"source" text NOT NULL,
	"trace_id" text,
	"input" text NOT NULL,
	"input_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "samples_agent_input_hash_key" UNIQUE("agent","input_hash")
);
--> statement-breakpoint
CREATE INDEX "samples_agent_created_idx" ON "samples" USING btree ("agent","created_at");
--> statement-breakpoint
CREATE TABLE "shadow_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"candidate" text NOT NULL,
	"incumbent" text NOT NULL,
	"trigger" text NOT NULL,
	"slot_at" timestamp with time zone,
	"status" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"judge_model" text NOT NULL,
	"rubric" text NOT NULL,
	"margin" double precision NOT NULL,
	"alpha" double precision NOT NULL,
	"inputs" integer DEFAULT 0 NOT NULL,
	"repeats" integer NOT NULL,
	"pairs" integer DEFAULT 0 NOT NULL,
	"judge_errors" integer DEFAULT 0 NOT NULL,
	"forfeits" integer DEFAULT 0 NOT NULL,
	"wins" integer DEFAULT 0 NOT NULL,
	"losses" integer DEFAULT 0 NOT NULL,
	"ties" integer DEFAULT 0 NOT NULL,
	"flips" integer DEFAULT 0 NOT NULL,
	"tie_rate" double precision,
	"swap_consistency" double precision,
	"win_rate" double precision,
	"win_low" double precision,
	"win_high" double precision,
	"lc_win_rate" double precision,
	"lc_low" double precision,
	"lc_high" double precision,
	"length_diff" double precision,
	"decision" text,
	"decision_lower" double precision,
	"decision_upper" double precision,
	"p_value" double precision,
	"reason" text,
	"candidate_cost_usd" double precision DEFAULT 0 NOT NULL,
	"incumbent_cost_usd" double precision DEFAULT 0 NOT NULL,
	"judge_cost_usd" double precision DEFAULT 0 NOT NULL,
	"candidate_p95_ms" double precision,
	"incumbent_p95_ms" double precision,
	"report" jsonb,
	"error" text
);
--> statement-breakpoint
CREATE INDEX "shadow_runs_job_started_idx" ON "shadow_runs" USING btree ("job","started_at");
--> statement-breakpoint
CREATE TABLE "shadow_pair_verdicts" (
	"run_id" text NOT NULL,
	"sample_id" text NOT NULL,
	"repeat" integer NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"candidate_first" text,
	"incumbent_first" text,
	"final" text,
	"consistent" boolean,
	"forfeit" text,
	"candidate_length" integer,
	"incumbent_length" integer,
	"candidate_cost_usd" double precision DEFAULT 0 NOT NULL,
	"incumbent_cost_usd" double precision DEFAULT 0 NOT NULL,
	"candidate_latency_ms" double precision,
	"incumbent_latency_ms" double precision,
	"candidate_error" text,
	"incumbent_error" text,
	"reason_candidate_first" text,
	"reason_incumbent_first" text,
	"judge_error" text,
	"judge_cost_usd" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "shadow_pair_verdicts_pk" PRIMARY KEY("run_id","sample_id","repeat")
);
--> statement-breakpoint
CREATE VIEW shadow_summary AS
SELECT
  id AS run_id, job, candidate, incumbent, trigger, status, started_at, finished_at, judge_model,
  inputs, repeats, pairs, judge_errors, forfeits, wins, losses, ties, flips,
  gw_round(win_rate, 6) AS win_rate, gw_round(win_low, 6) AS win_low, gw_round(win_high, 6) AS win_high,
  gw_round(tie_rate, 6) AS tie_rate, gw_round(swap_consistency, 6) AS swap_consistency,
  gw_round(lc_win_rate, 6) AS lc_win_rate, gw_round(lc_low, 6) AS lc_low, gw_round(lc_high, 6) AS lc_high,
  gw_round(length_diff, 2) AS length_diff,
  decision, gw_round(margin, 6) AS margin, gw_round(alpha, 6) AS alpha,
  gw_round(decision_lower, 6) AS decision_lower, gw_round(decision_upper, 6) AS decision_upper, gw_round(p_value, 6) AS p_value, reason,
  gw_round(candidate_cost_usd, 8) AS candidate_cost_usd, gw_round(incumbent_cost_usd, 8) AS incumbent_cost_usd,
  gw_round(judge_cost_usd, 8) AS judge_cost_usd,
  gw_round(candidate_p95_ms, 2) AS candidate_p95_ms, gw_round(incumbent_p95_ms, 2) AS incumbent_p95_ms, error
FROM shadow_runs;
--> statement-breakpoint
CREATE VIEW shadow_pairs AS
SELECT
  v.run_id, r.job, r.candidate, r.incumbent, v.sample_id, s.agent AS sample_agent, s.source, s.input,
  v.repeat, v.created_at, v.candidate_first, v.incumbent_first, v.final, v.consistent, v.forfeit,
  CASE v.final WHEN 'candidate' THEN 1.0 WHEN 'tie' THEN 0.5 WHEN 'incumbent' THEN 0.0 END::double precision AS score,
  v.candidate_length, v.incumbent_length, v.candidate_length - v.incumbent_length AS length_diff,
  gw_round(v.candidate_cost_usd, 8) AS candidate_cost_usd, gw_round(v.incumbent_cost_usd, 8) AS incumbent_cost_usd,
  gw_round(v.candidate_latency_ms, 2) AS candidate_latency_ms, gw_round(v.incumbent_latency_ms, 2) AS incumbent_latency_ms,
  v.candidate_error, v.incumbent_error, v.reason_candidate_first, v.reason_incumbent_first, v.judge_error,
  gw_round(v.judge_cost_usd, 8) AS judge_cost_usd
FROM shadow_pair_verdicts v
JOIN shadow_runs r ON r.id = v.run_id
LEFT JOIN samples s ON s.id = v.sample_id;
