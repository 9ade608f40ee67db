import type { Finding } from "../detect/types.ts";
import { fingerprint, labelsOf, type AlertLabels } from "./labels.ts";
import { transition, type LifecycleEvent, type LifecyclePolicy, type LifecycleState, type NotifyKind } from "./lifecycle.ts";
import type { AlertChange, AlertView, GroupKind } from "./notification.ts";
import { matches, type Matcher } from "./silence-matchers.ts";

/** An alert as the planner sees it (the stored row, typed). */
export interface AlertRecord extends LifecycleState {
  fingerprint: string;
  labels: AlertLabels;
  severity: "warning" | "critical";
  summary: string;
  evidence: Record<string, unknown>;
  lastSeenAt: Date;
  silencedBy: string | null;
  groupKey: string | null;
  lastRunId: string | null;
}

/** An active silence. */
export interface SilenceRule {
  id: string;
  matchers: Matcher[];
}

/** Everything one run's decisions depend on. */
export interface PlanInput {
  job: string;
  agent: string;
  runId: string;
  now: Date;
  /** False for runs that did not complete: an absent finding then proves nothing. */
  countClear: boolean;
  findings: readonly Finding[];
  /** The job's alerts that are not resolved, those of the open group, and any a finding names. */
  existing: readonly AlertRecord[];
  silences: readonly SilenceRule[];
  /** The job's open group (incident), if any. */
  openGroupKey: string | null;
  policy: LifecyclePolicy;
  /**
   * Which alerts this decision may step. Absent: all of the job's (a run evaluates every
   * detector). A periodic check evaluates only its own detector and must not count the other
   * alerts as clear.
   */
  scope?: (labels: AlertLabels) => boolean;
}

/** A row for the alerts' history. */
export interface PlannedEvent {
  fingerprint: string;
  labels: AlertLabels;
  event: LifecycleEvent;
  state: LifecycleState["state"];
  severity: string;
  summary: string;
  silencedBy: string | null;
}

/** The one message this run sends for the job (per channel), if any. */
export interface PlannedGroup {
  groupKey: string;
  kind: GroupKind;
  /** The group is new (insert it) or closes with this message. */
  opens: boolean;
  closes: boolean;
  alerts: AlertView[];
}

/** What to write: alert states, history, and the group message. */
export interface Plan {
  /** Alerts to insert or update. */
  upserts: AlertRecord[];
  events: PlannedEvent[];
  group: PlannedGroup | null;
}

const CHANGE: Record<NotifyKind, AlertChange> = { firing: "new", reminder: "reminder", resolved: "resolved" };

function view(a: AlertRecord, change: AlertChange): AlertView {
  return {
    fingerprint: a.fingerprint,
    labels: a.labels,
    severity: a.severity,
    summary: a.summary,
    evidence: a.evidence,
    state: a.state,
    change,
    startsAt: a.startsAt.toISOString(),
    firedAt: a.firedAt?.toISOString() ?? null,
    resolvedAt: a.resolvedAt?.toISOString() ?? null,
  };
}

/** A new group's key: the job and the run that opened it. */
export const newGroupKey = (job: string, runId: string) => `${job}/${runId}`;

/**
 * One run's alert decisions for one job. Pure. Each alert steps through its lifecycle; then the
 * notifications are grouped: while any alert of the job is announced and firing, the job has one
 * open group (one Slack message and its thread), and this run sends at most one message to it:
 * `firing` opens it, `update` says what fired or resolved since, `reminder` repeats it, and
 * `resolved` closes it when its last alert resolves.
 */
export function planRun(input: PlanInput): Plan {
  const { now, policy } = input;
  const byFp = new Map(input.existing.map((a) => [a.fingerprint, a]));
  const present = new Map<string, Finding>();
  for (const f of input.findings) {
    const fp = fingerprint(labelsOf(f));
    const seen = present.get(fp);
    // Two findings with one identity in a run: keep the critical one.
    if (!seen || (seen.severity === "warning" && f.severity === "critical")) present.set(fp, f);
  }
  const silenceFor = (labels: AlertLabels) => input.silences.find((s) => matches(s.matchers, labels))?.id ?? null;

  const upserts: AlertRecord[] = [];
  const events: PlannedEvent[] = [];
  const notifies = new Map<string, NotifyKind>();
  const fps = new Set([...present.keys(), ...byFp.keys()]);
  for (const fp of fps) {
    const prev = byFp.get(fp);
    // A retried handleFindings for the same run must not step twice.
    if (prev?.lastRunId === input.runId) continue;
    const finding = present.get(fp);
    if (!finding && !input.countClear) continue;
    const labels = finding ? labelsOf(finding) : prev!.labels;
    if (input.scope && !input.scope(labels)) continue;
    const silencedBy = silenceFor(labels);
    const t = transition(prev, { present: finding !== undefined, silenced: silencedBy !== null }, policy, now);
    if (!t.next) continue;
    const record: AlertRecord = {
      ...(prev ?? { groupKey: null }),
      ...t.next,
      fingerprint: fp,
      labels,
      severity: finding?.severity ?? prev!.severity,
      summary: finding?.summary ?? prev!.summary,
      evidence: finding?.evidence ?? prev!.evidence,
      lastSeenAt: finding ? now : prev!.lastSeenAt,
      silencedBy,
      lastRunId: input.runId,
    };
    upserts.push(record);
    if (t.event) {
      events.push({
        fingerprint: fp,
        labels,
        event: t.event,
        state: record.state,
        severity: record.severity,
        summary: record.summary,
        silencedBy,
      });
    }
    if (t.notify) notifies.set(fp, t.notify);
  }

  if (notifies.size === 0) return { upserts, events, group: null };

  const opens = input.openGroupKey === null;
  const groupKey = input.openGroupKey ?? newGroupKey(input.job, input.runId);
  for (const a of upserts) if (notifies.has(a.fingerprint)) a.groupKey = groupKey;
  const updated = new Map(upserts.map((a) => [a.fingerprint, a]));
  const members = [
    ...new Map([...input.existing, ...upserts].map((a) => [a.fingerprint, updated.get(a.fingerprint) ?? a])).values(),
  ].filter((a) => a.groupKey === groupKey);
  const stillFiring = members.filter((a) => a.state === "firing" && a.notified);
  const changes = [...notifies.values()];
  let kind: GroupKind;
  if (opens) kind = "firing";
  else if (stillFiring.length === 0) kind = "resolved";
  else if (changes.some((c) => c !== "reminder")) kind = "update";
  else kind = "reminder";

  // Whatever the message, it shows every firing alert of the group: their reminder clocks restart
  // together, so one group sends one reminder per interval, not one per alert.
  if (kind !== "resolved") {
    for (const a of stillFiring) {
      if (a.notifiedAt?.getTime() === now.getTime()) continue;
      const touched = updated.get(a.fingerprint) ?? { ...a };
      touched.notifiedAt = now;
      if (!updated.has(a.fingerprint)) {
        upserts.push(touched);
        updated.set(a.fingerprint, touched);
      }
    }
  }
  const shown = members
    .map((a) => updated.get(a.fingerprint) ?? a)
    // Announced alerts only: a silenced re-fire of an old member is not part of this message.
    .filter((a) => (a.state === "firing" ? a.notified : a.state === "resolved"))
    .sort((x, y) => (x.severity === y.severity ? x.fingerprint.localeCompare(y.fingerprint) : x.severity === "critical" ? -1 : 1));
  const alerts = shown.map((a) => view(a, notifies.has(a.fingerprint) ? CHANGE[notifies.get(a.fingerprint)!] : "none"));
  return { upserts, events, group: { groupKey, kind, opens, closes: kind === "resolved", alerts } };
}
