CREATE TABLE "case_daily" (
	"job" text NOT NULL,
	"day" date NOT NULL,
	"case_id" text NOT NULL,
	"runs" integer NOT NULL,
	"trials" bigint NOT NULL,
	"scored" bigint NOT NULL,
	"passes" bigint NOT NULL,
	"errors" bigint NOT NULL,
	"flaky_runs" integer NOT NULL,
	"last_run_at" timestamp with time zone NOT NULL,
	"last_all_pass_at" timestamp with time zone,
	"last_failure_at" timestamp with time zone,
	CONSTRAINT "case_daily_job_day_case_id_pk" PRIMARY KEY("job","day","case_id")
);
