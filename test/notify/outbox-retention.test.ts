import { asc } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { retentionDeps } from "../../src/app.ts";
import { startOutboxRetention } from "../../src/notify/outbox-retention.ts";
import { alertOutbox } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";
import { HOUR, manualClock, testApp } from "../alerts/setup.ts";

const DAY = 24 * HOUR;

describe("outbox retention", () => {
  it("deletes sent and failed notifications past retention.notifications, never pending ones or recent ones", async () => {
    await using database = await testDatabase();
    const clock = manualClock(new Date("2025-06-02T08:00:00Z"));
    const app = testApp(database, { clock });
    const at = (daysAgo: number) => new Date(clock.now().getTime() - daysAgo * DAY);
    const row = (key: string, status: string, daysAgo: number) => ({
      dedupKey: key,
      groupKey: "g",
      job: "support-hourly",
      channel: "console",
      kind: "firing",
      payload: {},
      status,
      nextAttemptAt: at(daysAgo),
      createdAt: at(daysAgo),
      sentAt: status === "sent" ? at(daysAgo) : null,
    });
    await database.db.insert(alertOutbox).values([
      row("old-sent", "sent", 31),
      row("old-failed", "failed", 40),
      row("old-pending", "pending", 45), // still owed to someone: kept however old
      row("recent-sent", "sent", 29),
    ]);

    const worker = startOutboxRetention(retentionDeps(app)); // default retention: 30 days; the first pass runs at once
    await worker.stop();
    const keys = async () => (await database.db.select().from(alertOutbox).orderBy(asc(alertOutbox.id))).map((r) => r.dedupKey);
    expect(await keys()).toEqual(["old-pending", "recent-sent"]);

    clock.tick(2 * DAY); // recent-sent is now 31 days old
    await worker.pass();
    expect(await keys()).toEqual(["old-pending"]);
  });
});
