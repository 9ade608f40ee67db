import type { AlertLabels } from "./labels.ts";

/** What a group message does: opens the incident, changes it, reminds, or closes it. */
export type GroupKind = "firing" | "update" | "reminder" | "resolved";

/** What changed for one alert in this message. */
export type AlertChange = "new" | "resolved" | "reminder" | "none";

/** One alert as shown in a message. */
export interface AlertView {
  fingerprint: string;
  labels: AlertLabels;
  severity: "warning" | "critical";
  summary: string;
  evidence: Record<string, unknown>;
  state: "pending" | "firing" | "resolved";
  change: AlertChange;
  startsAt: string;
  firedAt: string | null;
  resolvedAt: string | null;
}

/** Accuracy with its interval. */
export interface IntervalView {
  estimate: number;
  low: number;
  high: number;
}

/** A case that failed trials in this run. */
export interface FailingCase {
  id: string;
  passes: number;
  scored: number;
  errors: number;
  /** The case's pass rate over the baseline runs, when it has one. */
  baselineRate: number | null;
  /** The case's page (when it started failing, its outputs), when server.public_url is set. */
  url?: string;
}

/** The case whose cost per trial moved most against the baseline. */
export interface CostChange {
  caseId: string;
  nowUsd: number;
  baselineUsd: number;
}

/** What the SRE needs to judge the page without opening anything else. */
export interface MessageContext {
  runId: string;
  accuracy: IntervalView | null;
  baseline: (IntervalView & { runs: number }) | null;
  /** Accuracy of recent runs, oldest first (null: the run had no score). */
  recent: (number | null)[];
  /** When each of `recent` finished (ISO), same order: places the runs in an incident, for its low point. Absent in payloads queued before it existed. */
  recentAt?: string[];
  failingCases: FailingCase[];
  /** Cost per trial of the whole run now vs the baseline, and the case that moved most. */
  cost: { nowPerTrial: number; baselinePerTrial: number | null; top: CostChange | null } | null;
  /** A query to paste into psql. */
  sql: string;
  dashboardUrl: string | null;
  /** The run's page (`/runs/:id`), when server.public_url is set. Absent in payloads queued before it existed. */
  runUrl?: string | null;
}

/** The stored payload of one outbox row: everything a channel needs to render and send. */
export interface Notification {
  version: 1;
  kind: GroupKind;
  groupKey: string;
  job: string;
  agent: string;
  runId: string;
  /** When it was queued (ISO). */
  at: string;
  /** Every alert of the group after this run (firing, and those resolved in it). */
  alerts: AlertView[];
  context: MessageContext | null;
}

/** The highest severity among the firing alerts of a message. */
export function severityOf(n: Notification): "warning" | "critical" {
  return n.alerts.some((a) => a.state === "firing" && a.severity === "critical") ? "critical" : "warning";
}
