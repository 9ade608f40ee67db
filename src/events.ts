import { EventEmitter } from "node:events";
import type { RunSummary } from "./engine/summary.ts";
import type { TrialStatus } from "./scoring/score.ts";

/** Everything the engine announces; metrics, logs, progress bars and tests subscribe. */
export interface GoldwatchEvents {
  "run:started": [{ runId: string; job: string; total: number }];
  "trial:finished": [{ runId: string; job: string; caseId: string; status: TrialStatus; latencyMs: number; costUsd: number }];
  "run:finished": [RunSummary];
  "store:retry": [{ error: Error; attempt: number }];
}

export class Events extends EventEmitter<GoldwatchEvents> {}
