import { describe, expect, it } from "vitest";
import { missedRunFinding } from "../../src/detect/missed-runs.ts";

const job = { job: "hourly", agent: "bot", schedule: "0 * * * *", timezone: "UTC" };

describe("missed runs", () => {
  it("reports a job without a completed run for two schedule periods", () => {
    const last = new Date("2024-05-01T10:00:00Z");
    // Slots 11:00 and 12:00 came; the 12:00 run gets half a period to finish.
    expect(missedRunFinding({ ...job, lastCompletedAt: last }, new Date("2024-05-01T12:29:00Z"))).toBeUndefined();
    const f = missedRunFinding({ ...job, lastCompletedAt: last }, new Date("2024-05-01T12:30:00Z"));
    expect(f).toMatchObject({ detector: "missed", job: "hourly", severity: "critical" });
    expect(f!.summary).toContain("2.5 hours");
  });

  it("reads the schedule in its time zone", () => {
    const daily = { ...job, schedule: "0 9 * * *", timezone: "America/New_York" };
    const last = new Date("2024-05-01T13:00:00Z"); // 09:00 EDT
    expect(missedRunFinding({ ...daily, lastCompletedAt: last }, new Date("2024-05-03T19:00:00Z"))).toBeUndefined();
    expect(missedRunFinding({ ...daily, lastCompletedAt: last }, new Date("2024-05-04T01:00:00Z"))).toBeDefined();
  });

  it("says nothing about a job that never completed a run", () => {
    expect(missedRunFinding({ ...job, lastCompletedAt: null }, new Date("2030-01-01T00:00:00Z"))).toBeUndefined();
  });

  it("states the gap in days from 48 hours on, and gives the time the next run was expected by", () => {
    const last = new Date("2024-05-01T10:00:00Z");
    const at = (iso: string) => missedRunFinding({ ...job, lastCompletedAt: last }, new Date(iso))!;
    expect(at("2024-05-03T09:54:00Z").summary).toBe(
      'no completed run for 47.9 hours (schedule "0 * * * *"); the last one started 2024-05-01T10:00:00.000Z',
    );
    expect(at("2024-05-03T10:00:00Z").summary).toContain("for 2.0 days");
    expect(at("2024-05-01T12:30:00Z").evidence).toEqual({
      lastCompletedAt: "2024-05-01T10:00:00.000Z",
      expectedBy: "2024-05-01T12:30:00.000Z",
      schedule: "0 * * * *",
      timezone: "UTC",
    });
    expect(at("2024-05-01T12:30:00Z")).toMatchObject({ job: "hourly", agent: "bot" });
  });

  it("says nothing about a schedule with fewer than two slots left", () => {
    const last = new Date("2023-01-01T00:00:00Z");
    const now = new Date("2030-01-01T00:00:00Z");
    expect(missedRunFinding({ ...job, schedule: "0 0 10 1 5 * 2024", lastCompletedAt: last }, now)).toBeUndefined(); // one slot
    expect(missedRunFinding({ ...job, schedule: "0 0 0 30 2 *", lastCompletedAt: last }, now)).toBeUndefined(); // none
  });
});
