import { createHash } from "node:crypto";
import type { Finding } from "../detect/types.ts";

/** An alert's identity: which job, agent and detector, and the case for per-case findings. */
export interface AlertLabels {
  job: string;
  agent: string;
  detector: string;
  case?: string;
}

/** The label names silences may match on. */
export const LABEL_NAMES = ["job", "agent", "detector", "case"] as const;
/** One of LABEL_NAMES. */
export type LabelName = (typeof LABEL_NAMES)[number];

/** The labels of the alert a finding belongs to. */
export function labelsOf(f: Finding): AlertLabels {
  return { job: f.job, agent: f.agent, detector: f.detector, ...(f.caseId !== undefined ? { case: f.caseId } : {}) };
}

/**
 * A stable hash of the labels (sorted keys, so order never matters): the alert's primary key and
 * the PagerDuty dedup_key. 20 hex digits (80 bits) is plenty for the alerts of one installation.
 */
export function fingerprint(labels: AlertLabels): string {
  const canonical = LABEL_NAMES.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 20);
}

/** `job=support-hourly, detector=threshold` */
export function formatLabels(labels: AlertLabels): string {
  return LABEL_NAMES.filter((k) => labels[k] !== undefined)
    .map((k) => `${k}=${labels[k]}`)
    .join(", ");
}
