// Accepting a new level: the on-call engineer's way to say "this accuracy is the new normal" after
// a deliberate change (a cheaper model, a stricter prompt). Recorded as an annotation on the job's
// timeline; the detectors read the newest one (see selectBaseline).
import type { Db } from "../store/db.ts";
import { ACCEPT_KIND, acceptedLevel, insertAnnotation, latestDetection } from "./store.ts";
import type { AcceptedLevel } from "./types.ts";

/** What `acceptLevel` did. */
export type AcceptResult = { ok: true; level: AcceptedLevel; agent: string } | { ok: false; reason: string };

/**
 * Accepts the level of the job's open accuracy incident as its new baseline: the incident's runs
 * become the baseline of the new level, the runs before it leave it, and the CUSUM restarts.
 * Refused when no incident is open (there is nothing to accept, and a baseline is never
 * restarted by accident).
 */
export async function acceptLevel(db: Db, job: string, opts: { now: Date; by?: string; comment?: string }): Promise<AcceptResult> {
  const last = await latestDetection(db, job);
  if (!last?.incident || !last.incidentSince) return { ok: false, reason: `job "${job}" has no open accuracy incident: nothing to accept` };
  const earlier = await acceptedLevel(db, job);
  if (earlier && earlier.at >= last.startedAt)
    return {
      ok: false,
      reason: `job "${job}": this level was already accepted at ${earlier.at.toISOString()}; it applies from the next run`,
    };
  const level = { from: last.incidentSince, at: opts.now };
  await insertAnnotation(db, {
    job,
    agent: last.agent,
    at: opts.now,
    kind: ACCEPT_KIND,
    message: `new level accepted${opts.by ? ` by ${opts.by}` : ""}: the runs since ${level.from.toISOString()} are the baseline${opts.comment ? ` (${opts.comment})` : ""}`,
    runId: last.runId,
    data: { from: level.from.toISOString(), by: opts.by ?? null, comment: opts.comment ?? null },
  });
  return { ok: true, level, agent: last.agent };
}
