import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../src/engine/summary.ts";
import { Events } from "../../src/engine/events.ts";
import { createMetrics } from "../../src/metrics.ts";

const summary = (over: Partial<RunSummary>): RunSummary =>
  ({
    runId: "r",
    job: "j",
    agent: "a",
    status: "completed",
    durationMs: 4_000,
    costUsd: 0.5,
    accuracy: { estimate: 0.9, low: 0.8, high: 0.95 },
    ...over,
  }) as RunSummary;

describe("metrics from events", () => {
  it("counts runs, trials, cost, slot outcomes and scheduler lag; reads gauges at scrape; stops listening", async () => {
    const events = new Events();
    let firing: Record<string, number> | undefined = { j: 2 };
    const metrics = createMetrics(events, { activeRuns: () => 3, scheduledJobs: () => 5, alertsFiring: async () => firing });
    events.emit("run:finished", summary({}));
    events.emit("run:finished", summary({ status: "aborted", costUsd: 0.25, accuracy: null }));
    events.emit("trial:finished", { runId: "r", job: "j", caseId: "c", status: "pass", latencyMs: 300, costUsd: 0.1 });
    events.emit("slot:outcome", { job: "j", slotAt: new Date(), outcome: "started", lagMs: 40 });
    events.emit("slot:outcome", { job: "j", slotAt: new Date(), outcome: "skipped", lagMs: 10 });
    events.emit("slot:outcome", { job: "j", slotAt: new Date(), outcome: "missed", lagMs: 600_000 });
    const text = await metrics.render();
    expect(text).toContain('goldwatch_runs_total{job="j",status="completed"} 1');
    expect(text).toContain('goldwatch_runs_total{job="j",status="aborted"} 1');
    expect(text).toContain('goldwatch_cost_usd_total{job="j"} 0.75');
    expect(text).toContain('goldwatch_run_accuracy{job="j"} 0.9');
    expect(text).toContain('goldwatch_trials_total{job="j",status="pass"} 1');
    expect(text).toContain('goldwatch_trial_latency_seconds_bucket{le="0.5",job="j"} 1');
    expect(text).toContain('goldwatch_slots_total{job="j",outcome="skipped"} 1');
    expect(text).toContain('goldwatch_slots_total{job="j",outcome="missed"} 1');
    // Lag is observed for runs that started, not for slots that never ran.
    expect(text).toContain('goldwatch_scheduler_lag_seconds_count{job="j"} 1');
    expect(text).toContain('goldwatch_scheduler_lag_seconds_bucket{le="0.05",job="j"} 1');
    expect(text).toContain("goldwatch_runs_active 3");
    expect(text).toContain("goldwatch_scheduled_jobs 5");
    expect(text).toContain('goldwatch_alerts_firing{job="j"} 2');
    firing = undefined;
    expect(await metrics.render()).not.toContain('goldwatch_alerts_firing{job="j"}');

    metrics.stop();
    events.emit("run:finished", summary({}));
    expect(await metrics.render()).toContain('goldwatch_runs_total{job="j",status="completed"} 1');
    expect(events.listenerCount("run:finished")).toBe(0);
  });
});
