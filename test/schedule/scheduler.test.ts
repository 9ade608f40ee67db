import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { cronerBackend } from "../../src/cron/backend.ts";
import { parseExpression } from "../../src/cron/expression.ts";
import { planDueSlots } from "../../src/schedule/plan.ts";
import { createScheduler } from "../../src/schedule/scheduler.ts";
import { ManualClock } from "../helpers/clock.ts";

const sched = (e: string, timezone = "UTC") => {
  const expr = parseExpression(e);
  if (typeof expr === "string") throw new Error(expr);
  return { expr, timezone };
};
const iso = (d: Date) => d.toISOString().replace(":00.000Z", "Z");

/** Runs a scheduler on a manual clock from `start` to `end`, returning the fired slots and when each fired. */
async function fire(expr: string, timezone: string, start: string, end: string, onSlot?: (slot: Date) => void) {
  const clock = new ManualClock(start);
  const fired: { slot: string; at: string }[] = [];
  const scheduler = createScheduler({ clock, log: silentLogger(), backend: cronerBackend });
  const job = scheduler.schedule("j", sched(expr, timezone), (slot) => {
    fired.push({ slot: iso(slot), at: iso(clock.now()) });
    onSlot?.(slot);
  });
  await clock.advanceTo(end);
  job.stop();
  return { fired, job, clock };
}

describe("scheduler on an injected clock", () => {
  it("fires each slot at its instant in UTC, with the slot as the scheduled instant", async () => {
    const { fired } = await fire("*/15 * * * *", "UTC", "2026-05-01T10:07:00Z", "2026-05-01T11:00:00Z");
    expect(fired).toEqual([
      { slot: "2026-05-01T10:15Z", at: "2026-05-01T10:15Z" },
      { slot: "2026-05-01T10:30Z", at: "2026-05-01T10:30Z" },
      { slot: "2026-05-01T10:45Z", at: "2026-05-01T10:45Z" },
      { slot: "2026-05-01T11:00Z", at: "2026-05-01T11:00Z" },
    ]);
  });

  it("across fall-back in Europe/Berlin: no double run for a 02:30 job, every real hour for an hourly one", async () => {
    const daily = await fire("30 2 * * *", "Europe/Berlin", "2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z");
    expect(daily.fired.map((f) => f.slot)).toEqual(["2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z", "2026-10-27T01:30Z"]);
    const hourly = await fire("0 * * * *", "Europe/Berlin", "2026-10-24T22:30:00Z", "2026-10-25T03:30:00Z");
    expect(hourly.fired.map((f) => f.slot)).toEqual([
      "2026-10-24T23:00Z",
      "2026-10-25T00:00Z",
      "2026-10-25T01:00Z",
      "2026-10-25T02:00Z",
      "2026-10-25T03:00Z",
    ]);
  });

  it("across spring-forward in America/New_York: the 02:30 run is not lost", async () => {
    // 8 March 2026 at 07:00Z, 02:00 EST becomes 03:00 EDT.
    const { fired } = await fire("30 2 * * *", "America/New_York", "2026-03-06T12:00:00Z", "2026-03-10T12:00:00Z");
    expect(fired.map((f) => f.slot)).toEqual(["2026-03-07T07:30Z", "2026-03-08T07:00Z", "2026-03-09T06:30Z", "2026-03-10T06:30Z"]);
  });

  it("keeps firing when the handler throws or rejects, and never waits for it", async () => {
    let calls = 0;
    const { fired } = await fire("* * * * *", "UTC", "2026-05-01T10:00:30Z", "2026-05-01T10:04:00Z", () => {
      calls++;
      if (calls % 2) throw new Error("boom");
    });
    expect(fired).toHaveLength(4);
    const clock = new ManualClock("2026-05-01T10:00:30Z");
    const slots: string[] = [];
    const job = createScheduler({ clock, log: silentLogger(), backend: cronerBackend }).schedule("j", sched("* * * * *"), async (slot) => {
      slots.push(iso(slot));
      await new Promise(() => {}); // a handler that never settles holds nothing up
    });
    await clock.advanceTo("2026-05-01T10:03:00Z");
    job.stop();
    expect(slots).toEqual(["2026-05-01T10:01Z", "2026-05-01T10:02Z", "2026-05-01T10:03Z"]);
  });

  it("after a clock jump past several slots fires only the newest (the lane records the rest as missed)", async () => {
    const clock = new ManualClock("2026-05-01T10:00:30Z");
    const slots: string[] = [];
    const job = createScheduler({ clock, log: silentLogger(), backend: cronerBackend }).schedule("j", sched("* * * * *"), (slot) => {
      slots.push(iso(slot));
    });
    expect(job.nextRun()?.toISOString()).toBe("2026-05-01T10:01:00.000Z");
    // The host slept: time moves on without the timer waking in between.
    await clock.jump("2026-05-01T10:07:10Z");
    job.stop();
    expect(slots).toEqual(["2026-05-01T10:07Z"]);
    expect(job.nextRun()).toBeNull();
  });
});

describe("planning slots that came due while nobody ran them", () => {
  const t = (m: number) => Date.parse("2026-05-01T10:00:00Z") + m * 60_000;
  it("runs the newest slot within grace and records older ones as missed", () => {
    expect(planDueSlots([t(0), t(1), t(2)], t(2) + 30_000, 60_000, 0)).toEqual({ run: [t(2)], missed: [t(0), t(1)] });
  });
  it("misses everything once the newest is out of its grace window", () => {
    expect(planDueSlots([t(0), t(1)], t(5), 60_000, 0)).toEqual({ run: [], missed: [t(0), t(1)] });
  });
  it("catch_up N runs at most the last N missed slots, oldest first", () => {
    expect(planDueSlots([t(0), t(1), t(2), t(3)], t(10), 60_000, 2)).toEqual({ run: [t(2), t(3)], missed: [t(0), t(1)] });
    expect(planDueSlots([t(0), t(1), t(2), t(3)], t(3), 60_000, 2)).toEqual({ run: [t(1), t(2), t(3)], missed: [t(0)] });
    expect(planDueSlots([], t(3), 60_000, 2)).toEqual({ run: [], missed: [] });
  });
});
