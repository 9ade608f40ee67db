ALTER TABLE "detection_runs" ADD COLUMN "drop_p" double precision;--> statement-breakpoint
ALTER TABLE "detection_runs" ADD COLUMN "incident" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "detection_runs" ADD COLUMN "incident_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "detection_runs" ADD COLUMN "incident_clear_runs" integer DEFAULT 0 NOT NULL;