import { sql } from "drizzle-orm";
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

// No foreign keys and no pgEnum (see src/store/schema.ts); states are text checked in code.

const tz = { withTimezone: true } as const;

/** One alert per identity (its labels' fingerprint): updated run after run, never duplicated. */
export const alerts = pgTable(
  "alerts",
  {
    /** Hash of the labels {job, agent, detector, case?}. */
    fingerprint: text("fingerprint").primaryKey(),
    job: text("job").notNull(),
    agent: text("agent").notNull(),
    detector: text("detector").notNull(),
    caseId: text("case_id"),
    labels: jsonb("labels").notNull(),
    /** pending | firing | resolved */
    state: text("state").notNull(),
    /** warning | critical */
    severity: text("severity").notNull(),
    summary: text("summary").notNull(),
    evidence: jsonb("evidence"),
    /** Consecutive runs with the finding present (this episode). */
    activeRuns: integer("active_runs").notNull().default(0),
    /** Consecutive clear runs while firing. */
    clearRuns: integer("clear_runs").notNull().default(0),
    /** First run of this episode (pending or firing since). */
    startsAt: timestamp("starts_at", tz).notNull(),
    firedAt: timestamp("fired_at", tz),
    resolvedAt: timestamp("resolved_at", tz),
    lastSeenAt: timestamp("last_seen_at", tz).notNull(),
    /** When the last firing message or reminder was queued. */
    notifiedAt: timestamp("notified_at", tz),
    /** A firing message was queued this episode (so a resolve message is due when it clears). */
    notified: boolean("notified").notNull().default(false),
    /** The silence that held the last notification back, if any. */
    silencedBy: text("silenced_by"),
    /** The notification group (one Slack message and thread) this alert was announced in. */
    groupKey: text("group_key"),
    lastRunId: text("last_run_id"),
    updatedAt: timestamp("updated_at", tz).notNull(),
  },
  (t) => [index("alerts_job_state_idx").on(t.job, t.state)],
);

/** Every state change of every alert: the history behind `alert_history`. */
export const alertEvents = pgTable(
  "alert_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    fingerprint: text("fingerprint").notNull(),
    job: text("job").notNull(),
    agent: text("agent").notNull(),
    detector: text("detector").notNull(),
    caseId: text("case_id"),
    runId: text("run_id"),
    at: timestamp("at", tz).notNull(),
    /** pending | firing | reminder | silenced | resolved | cleared */
    event: text("event").notNull(),
    state: text("state").notNull(),
    severity: text("severity").notNull(),
    summary: text("summary").notNull(),
    silencedBy: text("silenced_by"),
  },
  (t) => [index("alert_events_fingerprint_at_idx").on(t.fingerprint, t.at), index("alert_events_job_at_idx").on(t.job, t.at)],
);

/** A job's open incident: the alerts announced together, and where the Slack message lives. */
export const alertGroups = pgTable(
  "alert_groups",
  {
    groupKey: text("group_key").primaryKey(),
    job: text("job").notNull(),
    agent: text("agent").notNull(),
    openedAt: timestamp("opened_at", tz).notNull(),
    openedRunId: text("opened_run_id"),
    closedAt: timestamp("closed_at", tz),
    /** The Slack channel id and message ts of the group's root message, once posted. */
    slackChannel: text("slack_channel"),
    slackTs: text("slack_ts"),
  },
  (t) => [index("alert_groups_job_idx").on(t.job, t.closedAt)],
);

/**
 * Durable outbox: one row per notification and channel, written in the same transaction as the
 * alert state change, delivered at least once by any replica's worker.
 */
export const alertOutbox = pgTable(
  "alert_outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** group|kind|run|channel: a retried handleFindings cannot queue the same message twice. */
    dedupKey: text("dedup_key").notNull(),
    groupKey: text("group_key").notNull(),
    job: text("job").notNull(),
    /** slack | pagerduty | webhook | console */
    channel: text("channel").notNull(),
    /** firing | update | reminder | resolved */
    kind: text("kind").notNull(),
    payload: jsonb("payload").notNull(),
    /** pending | sent | failed */
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", tz).notNull(),
    claimedBy: text("claimed_by"),
    claimedUntil: timestamp("claimed_until", tz),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", tz).notNull(),
    sentAt: timestamp("sent_at", tz),
    /** Where it landed (e.g. the Slack channel:ts), for people digging in. */
    ref: text("ref"),
  },
  (t) => [
    uniqueIndex("alert_outbox_dedup_idx").on(t.dedupKey),
    index("alert_outbox_due_idx")
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending'`),
    index("alert_outbox_group_idx").on(t.groupKey, t.channel, t.id),
  ],
);

/** Label matchers with an expiry: matching alerts are recorded but not sent. */
export const silences = pgTable(
  "silences",
  {
    id: text("id").primaryKey(),
    /** [{name, op: "=" | "!=" | "=~" | "!~", value}] */
    matchers: jsonb("matchers").notNull(),
    comment: text("comment").notNull().default(""),
    createdBy: text("created_by").notNull().default(""),
    startsAt: timestamp("starts_at", tz).notNull(),
    endsAt: timestamp("ends_at", tz).notNull(),
    createdAt: timestamp("created_at", tz).notNull(),
  },
  (t) => [index("silences_ends_at_idx").on(t.endsAt)],
);
