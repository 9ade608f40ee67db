CREATE TABLE "alert_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"job" text NOT NULL,
	"agent" text NOT NULL,
	"detector" text NOT NULL,
	"case_id" text,
	"run_id" text,
	"at" timestamp with time zone NOT NULL,
	"event" text NOT NULL,
	"state" text NOT NULL,
	"severity" text NOT NULL,
	"summary" text NOT NULL,
	"silenced_by" text
);
--> statement-breakpoint
CREATE TABLE "alert_groups" (
	"group_key" text PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"agent" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"opened_run_id" text,
	"closed_at" timestamp with time zone,
	"slack_channel" text,
	"slack_ts" text
);
--> statement-breakpoint
CREATE TABLE "alert_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedup_key" text NOT NULL,
	"group_key" text NOT NULL,
	"job" text NOT NULL,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"ref" text
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"fingerprint" text PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"agent" text NOT NULL,
	"detector" text NOT NULL,
	"case_id" text,
	"labels" jsonb NOT NULL,
	"state" text NOT NULL,
	"severity" text NOT NULL,
	"summary" text NOT NULL,
	"evidence" jsonb,
	"active_runs" integer DEFAULT 0 NOT NULL,
	"clear_runs" integer DEFAULT 0 NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"fired_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone NOT NULL,
	"notified_at" timestamp with time zone,
	"notified" boolean DEFAULT false NOT NULL,
	"silenced_by" text,
	"group_key" text,
	"last_run_id" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "silences" (
	"id" text PRIMARY KEY NOT NULL,
	"matchers" jsonb NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"created_by" text DEFAULT '' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "alert_events_fingerprint_at_idx" ON "alert_events" USING btree ("fingerprint","at");--> statement-breakpoint
CREATE INDEX "alert_events_job_at_idx" ON "alert_events" USING btree ("job","at");--> statement-breakpoint
CREATE INDEX "alert_groups_job_idx" ON "alert_groups" USING btree ("job","closed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "alert_outbox_dedup_idx" ON "alert_outbox" USING btree ("dedup_key");--> statement-breakpoint
CREATE INDEX "alert_outbox_due_idx" ON "alert_outbox" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "alert_outbox_group_idx" ON "alert_outbox" USING btree ("group_key","channel","id");--> statement-breakpoint
CREATE INDEX "alerts_job_state_idx" ON "alerts" USING btree ("job","state");--> statement-breakpoint
CREATE INDEX "silences_ends_at_idx" ON "silences" USING btree ("ends_at");