CREATE TABLE "schedule_slots" (
	"job" text NOT NULL,
	"slot_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"replica" text NOT NULL,
	"run_id" text,
	"claimed_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"reason" text,
	CONSTRAINT "schedule_slots_job_slot_at_pk" PRIMARY KEY("job","slot_at")
);
--> statement-breakpoint
CREATE INDEX "schedule_slots_status_idx" ON "schedule_slots" USING btree ("status");