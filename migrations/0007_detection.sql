CREATE TABLE "annotations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"agent" text,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"run_id" text,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "detection_runs" (
	"run_id" text PRIMARY KEY NOT NULL,
	"job" text NOT NULL,
	"agent" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"baseline_key" text NOT NULL,
	"baseline_runs" integer NOT NULL,
	"drop" double precision,
	"sigma" double precision,
	"z" double precision,
	"cusum" double precision NOT NULL,
	"cusum_run" integer NOT NULL,
	"runaway" integer DEFAULT 0 NOT NULL,
	"findings" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "annotations_job_at_idx" ON "annotations" USING btree ("job","at");--> statement-breakpoint
CREATE INDEX "detection_runs_job_started_idx" ON "detection_runs" USING btree ("job","started_at");