// Alerts' database side: the alerts, their history and groups, silences, and the outbox rows a
// decision queues (delivery claims and settles them in its own store).
import { randomBytes } from "node:crypto";
import { and, asc, count, desc, eq, gt, inArray, isNull, lte, ne, or, sql } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { alertEvents, alertGroups, alertOutbox, alerts, silences } from "../store/tables/alerts.ts";
import type { AlertLabels } from "./labels.ts";
import type { AlertRecord, PlannedEvent } from "./plan.ts";
import type { Matcher } from "./silence-matchers.ts";

type AlertRow = typeof alerts.$inferSelect;

/** Key of the transaction-scoped lock that serialises alert decisions per job (pairs with hashtext). */
const ALERT_LOCK = 7420114;

/** Serialises handleFindings for one job until the transaction ends (safe with poolers). */
export async function lockJobAlerts(tx: Db, job: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ALERT_LOCK}, hashtext(${job}))`);
}

function toRecord(r: AlertRow): AlertRecord {
  return {
    fingerprint: r.fingerprint,
    labels: r.labels as AlertLabels,
    state: r.state as AlertRecord["state"],
    severity: r.severity as AlertRecord["severity"],
    summary: r.summary,
    evidence: (r.evidence ?? {}) as Record<string, unknown>,
    activeRuns: r.activeRuns,
    clearRuns: r.clearRuns,
    startsAt: r.startsAt,
    firedAt: r.firedAt,
    resolvedAt: r.resolvedAt,
    notifiedAt: r.notifiedAt,
    notified: r.notified,
    lastSeenAt: r.lastSeenAt,
    silencedBy: r.silencedBy,
    groupKey: r.groupKey,
    lastRunId: r.lastRunId,
  };
}

/** The alerts a run of `job` can change: not resolved, in the open group, or named by a finding. */
export async function loadJobAlerts(tx: Db, job: string, fingerprints: string[], openGroupKey: string | null): Promise<AlertRecord[]> {
  const rows = await tx
    .select()
    .from(alerts)
    .where(
      and(
        eq(alerts.job, job),
        or(
          ne(alerts.state, "resolved"),
          openGroupKey ? eq(alerts.groupKey, openGroupKey) : undefined,
          fingerprints.length > 0 ? inArray(alerts.fingerprint, fingerprints) : undefined,
        ),
      ),
    );
  return rows.map(toRecord);
}

/** Inserts or updates alerts by fingerprint. */
export async function upsertAlerts(tx: Db, job: string, agent: string, records: readonly AlertRecord[], now: Date): Promise<void> {
  for (const r of records) {
    const values = {
      job,
      agent: r.labels.agent ?? agent,
      detector: r.labels.detector,
      caseId: r.labels.case ?? null,
      labels: r.labels,
      state: r.state,
      severity: r.severity,
      summary: r.summary,
      evidence: r.evidence,
      activeRuns: r.activeRuns,
      clearRuns: r.clearRuns,
      startsAt: r.startsAt,
      firedAt: r.firedAt,
      resolvedAt: r.resolvedAt,
      lastSeenAt: r.lastSeenAt,
      notifiedAt: r.notifiedAt,
      notified: r.notified,
      silencedBy: r.silencedBy,
      groupKey: r.groupKey,
      lastRunId: r.lastRunId,
      updatedAt: now,
    };
    await tx
      .insert(alerts)
      .values({ fingerprint: r.fingerprint, ...values })
      .onConflictDoUpdate({ target: alerts.fingerprint, set: values });
  }
}

/** Appends to the alerts' history. */
export async function insertAlertEvents(tx: Db, job: string, runId: string, at: Date, events: readonly PlannedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(alertEvents).values(
    events.map((e) => ({
      fingerprint: e.fingerprint,
      job,
      agent: e.labels.agent,
      detector: e.labels.detector,
      caseId: e.labels.case ?? null,
      runId,
      at,
      event: e.event,
      state: e.state,
      severity: e.severity,
      summary: e.summary,
      silencedBy: e.silencedBy,
    })),
  );
}

/** The job's open group (incident), if any. */
export async function openGroupOf(tx: Db, job: string): Promise<string | null> {
  const [row] = await tx
    .select({ groupKey: alertGroups.groupKey })
    .from(alertGroups)
    .where(and(eq(alertGroups.job, job), isNull(alertGroups.closedAt)))
    .orderBy(desc(alertGroups.openedAt))
    .limit(1);
  return row?.groupKey ?? null;
}

/** Opens a group. */
export async function insertGroup(
  tx: Db,
  g: { groupKey: string; job: string; agent: string; openedAt: Date; runId: string },
): Promise<void> {
  await tx
    .insert(alertGroups)
    .values({ groupKey: g.groupKey, job: g.job, agent: g.agent, openedAt: g.openedAt, openedRunId: g.runId })
    .onConflictDoNothing();
}

/** Closes a group once its last alert resolved. */
export async function closeGroup(tx: Db, groupKey: string, at: Date): Promise<void> {
  await tx.update(alertGroups).set({ closedAt: at }).where(eq(alertGroups.groupKey, groupKey));
}

/** A stored alert as the API shows it. */
export type StoredAlert = AlertRow;

/** Alerts for `/api/alerts`: open ones by default, newest first. */
export async function listAlerts(
  db: Db,
  opts: { state?: "open" | "all" | "resolved" | "firing" | "pending"; job?: string; limit?: number } = {},
): Promise<StoredAlert[]> {
  const state = opts.state ?? "open";
  const where = and(
    opts.job ? eq(alerts.job, opts.job) : undefined,
    state === "open" ? ne(alerts.state, "resolved") : state === "all" ? undefined : eq(alerts.state, state),
  );
  return db
    .select()
    .from(alerts)
    .where(where)
    .orderBy(desc(alerts.updatedAt))
    .limit(opts.limit ?? 200);
}

/** Slack coordinates of groups, for showing where alerts were announced. */
export async function groupsByKey(db: Db, keys: string[]): Promise<Map<string, typeof alertGroups.$inferSelect>> {
  if (keys.length === 0) return new Map();
  const rows = await db.select().from(alertGroups).where(inArray(alertGroups.groupKey, keys));
  return new Map(rows.map((r) => [r.groupKey, r]));
}

/** How many alerts fire per job, for the `goldwatch_alerts_firing` gauge. */
export async function firingAlertsByJob(db: Db): Promise<Record<string, number>> {
  const rows = await db.select({ job: alerts.job, n: count() }).from(alerts).where(eq(alerts.state, "firing")).groupBy(alerts.job);
  return Object.fromEntries(rows.map((r) => [r.job, Number(r.n)]));
}

/** An outbox row to queue. */
export type NewOutboxRow = typeof alertOutbox.$inferInsert;

/** A stored outbox row, as the API shows it next to its alerts. */
export type OutboxRecord = typeof alertOutbox.$inferSelect;

/** Queues notifications; a row whose dedup key is already queued is skipped. */
export async function enqueueOutbox(tx: Db, rows: NewOutboxRow[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const inserted = await tx.insert(alertOutbox).values(rows).onConflictDoNothing().returning({ id: alertOutbox.id });
  return inserted.map((r) => r.id);
}

/** Every outbox row of these groups, for showing delivery next to alerts. */
export async function outboxByGroups(db: Db, groupKeys: string[]): Promise<OutboxRecord[]> {
  if (groupKeys.length === 0) return [];
  return db.select().from(alertOutbox).where(inArray(alertOutbox.groupKey, groupKeys)).orderBy(asc(alertOutbox.id));
}

/** A stored silence. */
export type SilenceRow = typeof silences.$inferSelect;

/** A silence as the CLI and the API create it. */
export interface NewSilence {
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  comment?: string;
  createdBy?: string;
}

/** Stores a silence and returns it with its id. */
export async function insertSilence(db: Db, s: NewSilence, now: Date): Promise<SilenceRow> {
  const id = `sil_${randomBytes(6).toString("hex")}`;
  const [row] = await db
    .insert(silences)
    .values({
      id,
      matchers: s.matchers,
      comment: s.comment ?? "",
      createdBy: s.createdBy ?? "",
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      createdAt: now,
    })
    .returning();
  return row!;
}

/** Silences in force at `now`. */
export async function activeSilences(db: Db, now: Date): Promise<SilenceRow[]> {
  return db
    .select()
    .from(silences)
    .where(and(lte(silences.startsAt, now), gt(silences.endsAt, now)))
    .orderBy(asc(silences.createdAt));
}

/** Every silence, or only those not yet ended. */
export async function listSilences(db: Db, opts: { now: Date; includeExpired?: boolean }): Promise<SilenceRow[]> {
  return db
    .select()
    .from(silences)
    .where(opts.includeExpired ? undefined : gt(silences.endsAt, opts.now))
    .orderBy(asc(silences.createdAt));
}

/** Ends a silence now; false when there is no such silence or it already ended. */
export async function expireSilence(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(silences)
    .set({ endsAt: now })
    .where(and(eq(silences.id, id), gt(silences.endsAt, now)))
    .returning({ id: silences.id });
  return rows.length > 0;
}
