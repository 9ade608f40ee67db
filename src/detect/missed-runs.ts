import { Cron } from "croner";
import type { Finding } from "./types.ts";

/** The first `n` schedule slots strictly after `after`. */
function slotsAfter(schedule: string, timezone: string, after: Date, n: number): Date[] {
  const cron = new Cron(schedule, { timezone, paused: true });
  try {
    return cron.nextRuns(n, after);
  } finally {
    cron.stop();
  }
}

/**
 * Missed runs: a job has not completed a run for two schedule periods. With s₀ the start of its
 * last completed run and s₁, s₂ the next two slots, the run of s₁ should have finished by s₂ and
 * the run of s₂ by about half a period later; from s₂ + (s₂ − s₁)/2 on, two periods have passed
 * without a completed run. A job that never completed a run has nothing to measure from and is
 * not reported (its first run is the scheduler's business). Pure: `now` is passed in.
 */
export function missedRunFinding(
  input: { job: string; agent: string; schedule: string; timezone: string; lastCompletedAt: Date | null },
  now: Date,
): Finding | undefined {
  if (!input.lastCompletedAt) return undefined;
  const [s1, s2] = slotsAfter(input.schedule, input.timezone, input.lastCompletedAt, 2);
  if (!s1 || !s2) return undefined;
  const due = s2.getTime() + (s2.getTime() - s1.getTime()) / 2;
  if (now.getTime() < due) return undefined;
  const hours = (now.getTime() - input.lastCompletedAt.getTime()) / 3_600_000;
  return {
    detector: "missed",
    job: input.job,
    agent: input.agent,
    severity: "critical",
    summary: `no completed run for ${hours >= 48 ? `${(hours / 24).toFixed(1)} days` : `${hours.toFixed(1)} hours`} (schedule "${input.schedule}"); the last one started ${input.lastCompletedAt.toISOString()}`,
    evidence: {
      lastCompletedAt: input.lastCompletedAt.toISOString(),
      expectedBy: new Date(due).toISOString(),
      schedule: input.schedule,
      timezone: input.timezone,
    },
  };
}
