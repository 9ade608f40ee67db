import { bigserial, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum (see src/store/schema.ts).

const tz = { withTimezone: true } as const;

/**
 * Events on a job's timeline that explain its numbers without being alerts: a new baseline
 * (golden set or judge changed), for a start. Charts draw them as markers; SQL joins them to runs.
 */
export const annotations = pgTable(
  "annotations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    job: text("job").notNull(),
    agent: text("agent"),
    at: timestamp("at", tz).notNull(),
    /** baseline (more kinds may follow) */
    kind: text("kind").notNull(),
    message: text("message").notNull(),
    /** The run the annotation belongs to, if any. */
    runId: text("run_id"),
    data: jsonb("data"),
  },
  (t) => [index("annotations_job_at_idx").on(t.job, t.at)],
);
