import { describe, expect, it } from "vitest";
import { Events } from "../../src/engine/events.ts";
import { createMetrics } from "../../src/metrics.ts";
import { outboxBacklog } from "../../src/notify/store.ts";
import { alertOutbox } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";

const base = { activeRuns: () => 0, scheduledJobs: () => 1 };

describe("goldwatch's own health in /metrics", () => {
  it("exports readiness and each check, read once per scrape", async () => {
    let checks: Record<string, string> = { database: "ok", scheduler: "ok" };
    let reads = 0;
    const metrics = createMetrics(new Events(), {
      ...base,
      readiness: async () => {
        reads++;
        return checks;
      },
    });
    let text = await metrics.render();
    expect(text).toMatch(/^goldwatch_ready 1$/m);
    expect(text).toContain('goldwatch_readiness_check{check="database"} 1');
    expect(reads).toBe(1);
    checks = { database: "unreachable: connection refused", scheduler: "ok" };
    text = await metrics.render();
    expect(text).toMatch(/^goldwatch_ready 0$/m);
    expect(text).toContain('goldwatch_readiness_check{check="database"} 0');
    expect(text).toContain('goldwatch_readiness_check{check="scheduler"} 1');
    metrics.stop();
  });

  it("counts deliveries by channel and outcome and shows the outbox backlog", async () => {
    const events = new Events();
    let backlog: { channel: string; pending: number; oldestSeconds: number }[] | undefined = [
      { channel: "slack", pending: 3, oldestSeconds: 420 },
    ];
    const metrics = createMetrics(events, { ...base, outbox: async () => backlog });
    const sent = { id: 1, channel: "slack", kind: "firing", job: "j", groupKey: "g", attempts: 1, ref: null };
    events.emit("alert:sent", sent);
    const failed = { ...sent, error: "500", retryAt: new Date() };
    events.emit("alert:failed", { ...failed, permanent: false });
    events.emit("alert:failed", { ...failed, permanent: true, retryAt: null });
    let text = await metrics.render();
    expect(text).toContain('goldwatch_notifications_total{channel="slack",outcome="sent"} 1');
    expect(text).toContain('goldwatch_notifications_total{channel="slack",outcome="retry"} 1');
    expect(text).toContain('goldwatch_notifications_total{channel="slack",outcome="failed"} 1');
    expect(text).toContain('goldwatch_outbox_pending{channel="slack"} 3');
    expect(text).toContain('goldwatch_outbox_oldest_pending_seconds{channel="slack"} 420');
    backlog = undefined; // database away: no stale backlog
    text = await metrics.render();
    expect(text).not.toContain('goldwatch_outbox_pending{channel="slack"}');
    metrics.stop();
  });

  it("reads the backlog from the outbox: pending rows only, per channel, with the oldest's age", async () => {
    await using database = await testDatabase();
    const now = new Date("2026-03-01T12:00:00Z");
    const row = (key: string, channel: string, status: string, minutesAgo: number) => ({
      dedupKey: key,
      groupKey: "g",
      job: "j",
      channel,
      kind: "firing",
      payload: {},
      status,
      nextAttemptAt: now,
      createdAt: new Date(now.getTime() - minutesAgo * 60_000),
    });
    await database.db
      .insert(alertOutbox)
      .values([
        row("a", "slack", "pending", 10),
        row("b", "slack", "pending", 2),
        row("c", "slack", "sent", 60),
        row("d", "pagerduty", "failed", 5),
      ]);
    expect(await outboxBacklog(database.db, now)).toEqual([{ channel: "slack", pending: 2, oldestSeconds: 600 }]);
  });
});
