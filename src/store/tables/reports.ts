import { bigint, date, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum (see src/store/schema.ts).

const tz = { withTimezone: true } as const;

/**
 * Per job, UTC day and case: the counts of that day's completed scheduled and manual runs, summed.
 * Filled by a trigger on runs (migration report_views) the moment a run completes, so reports
 * aggregate a few rows per case and day instead of unpacking every run's case_stats: this is
 * what keeps drift_report and the dashboard fast over a year of hourly runs.
 */
export const caseDaily = pgTable(
  "case_daily",
  {
    job: text("job").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    caseId: text("case_id").notNull(),
    runs: integer("runs").notNull(),
    trials: bigint("trials", { mode: "number" }).notNull(),
    scored: bigint("scored", { mode: "number" }).notNull(),
    passes: bigint("passes", { mode: "number" }).notNull(),
    errors: bigint("errors", { mode: "number" }).notNull(),
    /** Runs in which the case both passed and failed (flakiness). */
    flakyRuns: integer("flaky_runs").notNull(),
    lastRunAt: timestamp("last_run_at", tz).notNull(),
    /** The last run that day in which every scored trial of the case passed. */
    lastAllPassAt: timestamp("last_all_pass_at", tz),
    /** The last run that day in which the case failed at least once. */
    lastFailureAt: timestamp("last_failure_at", tz),
  },
  // Reports read a range of days for every job: the day index serves them, the key serves one job.
  (t) => [primaryKey({ columns: [t.job, t.day, t.caseId] }), index("case_daily_day_idx").on(t.day)],
);
