import type { Db } from "../../src/store/db.ts";
import { alertEvents, alerts } from "../../src/store/tables/alerts.ts";
import { annotations } from "../../src/store/tables/annotations.ts";
import { cases, HOUR, seedRun } from "./seed.ts";

/** The dashboard's "now" in tests: the page shows the 7 days up to it. */
export const DASH_NOW = new Date("2025-03-14T12:00:00Z");
export const MODEL_SWITCH_AT = new Date("2025-03-12T06:00:00Z");
export const ALERT_FIRED_AT = new Date("2025-03-13T06:00:00Z");
export const NOTE_AT = new Date("2025-03-12T07:00:00Z");

/**
 * Two jobs over the last 3 days, every 6 hours: "support" switches model and gets worse (and an
 * alert fires, and detection notes a new baseline); "billing" stays put. Returns how many completed runs each job has.
 */
export async function seedDashboard(db: Db): Promise<Record<string, number>> {
  const counts: Record<string, number> = { support: 0, billing: 0 };
  for (let t = DASH_NOW.getTime() - 72 * HOUR; t < DASH_NOW.getTime(); t += 6 * HOUR) {
    const at = new Date(t);
    const switched = at >= MODEL_SWITCH_AT;
    await seedRun(db, {
      job: "support",
      at,
      cases: cases(switched ? [5, 1, 2, 5] : [5, 5, 4, 5], 5),
      model: switched ? "model-b" : "model-a",
      costUsd: switched ? 0.08 : 0.04,
      p95Ms: switched ? 2400 : 1200,
    });
    await seedRun(db, { job: "billing", at, cases: cases([3, 3], 3), model: "billing-1" });
    counts.support! += 1;
    counts.billing! += 1;
  }
  await db.insert(alerts).values({
    fingerprint: "fp-support",
    job: "support",
    agent: "support-agent",
    detector: "drift",
    labels: {},
    state: "firing",
    severity: "critical",
    summary: "support <accuracy> dropped",
    startsAt: ALERT_FIRED_AT,
    firedAt: ALERT_FIRED_AT,
    lastSeenAt: ALERT_FIRED_AT,
    updatedAt: ALERT_FIRED_AT,
  });
  await db.insert(alertEvents).values({
    fingerprint: "fp-support",
    job: "support",
    agent: "support-agent",
    detector: "drift",
    at: ALERT_FIRED_AT,
    event: "firing",
    state: "firing",
    severity: "critical",
    summary: "support <accuracy> dropped",
  });
  await db.insert(annotations).values({ job: "support", at: NOTE_AT, kind: "baseline", message: "new baseline after the model change" });
  return counts;
}
