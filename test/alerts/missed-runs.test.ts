import { asc, eq } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { alertDeps } from "../../src/app.ts";
import { handleFindings } from "../../src/alerts/index.ts";
import { startMissedRunsWorker } from "../../src/schedule/missed-runs-worker.ts";
import { alertOutbox, alerts } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";
import { droppedCases, healthyCases, HOUR, manualClock, storeRun, testApp, thresholdFinding } from "./setup.ts";

const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

describe("missed runs reach the alert lifecycle", () => {
  it("a job that stopped running pages once; its other alerts are left alone; a new run clears it", async () => {
    const database = await testDatabase();
    opened.push(database);
    const clock = manualClock(new Date("2025-06-02T08:10:00Z"));
    const app = testApp(database, { clock, notify: { pagerduty: { routing_key: "R0UTINGKEY0123" } } });
    const job = app.loaded.config.jobs["support-hourly"]!;

    // A firing threshold alert from a bad run, then the job stops running.
    const bad = await storeRun(app, { cases: droppedCases() });
    await handleFindings(alertDeps(app), { jobName: "support-hourly", job, summary: bad, findings: [thresholdFinding(bad)] });
    const worker = startMissedRunsWorker({ alerts: alertDeps(app), jobs: () => app.loaded.config.jobs });
    try {
      await worker.pass(); // 10 minutes later: nothing missed yet
      const byDetector = async () =>
        Object.fromEntries(
          (await database.db.select().from(alerts).where(eq(alerts.job, "support-hourly"))).map((a) => [
            (a.labels as { detector: string }).detector,
            a.state,
          ]),
        );
      expect(await byDetector()).toEqual({ threshold: "firing" });

      clock.tick(3 * HOUR); // slots at 09:00 and 10:00 passed without a completed run
      await worker.pass();
      await worker.pass(); // the same minute again: a retried check steps nothing twice
      expect(await byDetector()).toEqual({ threshold: "firing", missed: "firing" });
      // Several passes while it stays missed: the threshold alert is not counted as clear.
      for (let i = 0; i < 3; i++) {
        clock.tick(60_000);
        await worker.pass();
      }
      expect((await byDetector()).threshold).toBe("firing");

      // The job runs again and completes: the missed alert clears after keep_firing_for checks.
      await storeRun(app, { cases: healthyCases() });
      for (let i = 0; i < 3; i++) {
        clock.tick(60_000);
        await worker.pass();
      }
      expect(await byDetector()).toEqual({ threshold: "firing", missed: "resolved" });
      const messages = await database.db.select().from(alertOutbox).orderBy(asc(alertOutbox.id));
      const missedPages = messages.filter((m) => JSON.stringify(m.payload).includes('"missed"'));
      expect(missedPages.length).toBeGreaterThanOrEqual(1);
      expect(new Set(messages.map((m) => m.dedupKey)).size).toBe(messages.length);
    } finally {
      await worker.stop();
    }
  });
});
