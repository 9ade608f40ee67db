import { EventEmitter } from "node:events";
import type { RunSummary } from "./summary.ts";
import type { TrialStatus } from "../scoring/score.ts";

/** Everything the engine announces; metrics, logs, progress bars and tests subscribe. */
export interface GoldwatchEvents {
  "run:started": [{ runId: string; job: string; total: number }];
  "trial:finished": [{ runId: string; job: string; caseId: string; status: TrialStatus; latencyMs: number; costUsd: number }];
  "run:finished": [RunSummary];
  "store:retry": [{ error: Error; attempt: number }];
  /** What became of one scheduled slot on this replica (see src/schedule/lane.ts); lag is now minus the slot. */
  "slot:outcome": [
    { job: string; slotAt: Date; outcome: "started" | "taken" | "skipped" | "missed"; lagMs: number; runId?: string; reason?: string },
  ];
  /** Notifications written to the outbox by one run's alert decisions (see src/alerts). */
  "alert:queued": [{ job: string; runId: string; groupKey: string; kind: string; channels: string[] }];
  /** An outbox row was delivered. */
  "alert:sent": [{ id: number; channel: string; kind: string; job: string; groupKey: string; attempts: number; ref: string | null }];
  /** A delivery attempt failed: retried at `retryAt`, or given up for good when `permanent`. */
  "alert:failed": [
    {
      id: number;
      channel: string;
      kind: string;
      job: string;
      groupKey: string;
      attempts: number;
      error: string;
      permanent: boolean;
      retryAt: Date | null;
    },
  ];
  /** An OTLP export request answered (src/ingest/routes.ts): its status, and its spans read and rejected. */
  "ingest:request": [{ status: number; spans: number; rejected: number }];
  /** A write of aggregated spend to spend_minutes: rows written, or failed (they stay held and are retried). */
  "ingest:write": [{ rows: number; ok: boolean }];
}

export class Events extends EventEmitter<GoldwatchEvents> {}
