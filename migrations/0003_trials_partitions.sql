-- Trials become a table range-partitioned on started_at: monthly partitions are created ahead
-- of time and dropped whole by retention (src/store/partitions.ts); the default partition catches
-- rows no monthly partition covers yet, and maintenance moves them out. Existing rows are kept.
-- Names are unqualified so the migration works in whatever schema it runs in.
CREATE TABLE "trials_partitioned" (LIKE "trials" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("started_at");
--> statement-breakpoint
CREATE TABLE "trials_default" PARTITION OF "trials_partitioned" DEFAULT;
--> statement-breakpoint
INSERT INTO "trials_partitioned" SELECT * FROM "trials";
--> statement-breakpoint
DROP TABLE "trials";
--> statement-breakpoint
ALTER TABLE "trials_partitioned" RENAME TO "trials";
--> statement-breakpoint
ALTER TABLE "trials" ADD CONSTRAINT "trials_run_id_case_id_repeat_started_at_pk" PRIMARY KEY ("run_id", "case_id", "repeat", "started_at");
