import { boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum (see src/store/schema.ts).

const tz = { withTimezone: true } as const;

/**
 * One row per run the detectors judged: the statistics they computed (paired drop against the
 * baseline, its in-control spread, the standardised z) and the drift CUSUM's state after the run.
 * The newest row of a job is the detector state the next run starts from; the rows together
 * answer "since when has it been drifting?" in SQL.
 */
export const detectionRuns = pgTable(
  "detection_runs",
  {
    runId: text("run_id").primaryKey(),
    job: text("job").notNull(),
    agent: text("agent").notNull(),
    startedAt: timestamp("started_at", tz).notNull(),
    /** Golden-set hash | judge model: runs with the same key are comparable. */
    baselineKey: text("baseline_key").notNull(),
    baselineRuns: integer("baseline_runs").notNull(),
    /** Mean per-case change in pass rate against the baseline (negative: worse). */
    drop: doublePrecision("drop"),
    sigma: doublePrecision("sigma"),
    z: doublePrecision("z"),
    /** The sudden-drop test's p-value for this run alone. */
    dropP: doublePrecision("drop_p"),
    /** The run belongs to an open accuracy incident: it never enters a baseline. */
    incident: boolean("incident").notNull().default(false),
    /** When the open incident began. */
    incidentSince: timestamp("incident_since", tz),
    /** Clear runs in a row while the incident is open (it closes at KEEP_INCIDENT_CLEAR_RUNS). */
    incidentClearRuns: integer("incident_clear_runs").notNull().default(0),
    /** Lower CUSUM statistic after this run (σ units) and how many runs it has been above 0. */
    cusum: doublePrecision("cusum").notNull(),
    cusumRun: integer("cusum_run").notNull(),
    /** Trials that hit their budget or looped. */
    runaway: integer("runaway").notNull().default(0),
    /** Detectors (detector or detector:case) that reported a finding on this run. */
    findings: jsonb("findings").notNull(),
    createdAt: timestamp("created_at", tz).notNull(),
  },
  (t) => [index("detection_runs_job_started_idx").on(t.job, t.startedAt)],
);
