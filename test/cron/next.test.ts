import { describe, expect, it } from "vitest";
import { cronerBackend } from "../../src/cron/backend.ts";
import { parseExpression } from "../../src/cron/expression.ts";
import { nextSlot, slotsBetween } from "../../src/cron/next.ts";
import { checkSchedule } from "../../src/cron/validate.ts";

const sched = (e: string, timezone = "UTC") => {
  const expr = parseExpression(e);
  if (typeof expr === "string") throw new Error(expr);
  return { expr, timezone };
};
const series = (e: string, timezone: string, from: string, n: number) => {
  const out: string[] = [];
  let t: number | null = Date.parse(from);
  for (let i = 0; i < n && t !== null; i++) {
    t = nextSlot(cronerBackend, sched(e, timezone), t);
    if (t !== null) out.push(new Date(t).toISOString().replace(":00.000Z", "Z"));
  }
  return out;
};

describe("validation", () => {
  it.each([
    ["* * * * * *", "got 6 fields (seconds are not supported)"],
    ["0 0 L * *", `uses "L", which croner reads but Bun.cron does not`],
    ["0 0 * * 5L", `uses "L"`],
    ["0 0 * * 1#2", `uses "#"`],
    ["0 0 15W * *", `uses "W"`],
    ["0 0 ? * *", `uses "?"`],
    ["0 0 * * 5-1", "runs backwards"],
    ["61 * * * *", "minute value 61 is out of range 0-59"],
    ["0 0 * FOO *", `month "FOO" is not a number 1-12 or a name like JAN`],
    ["@reboot", `unknown nickname "@reboot"`],
    ["0 0 31 2 *", "never fires"],
    ["*/0 * * * *", "step"],
  ])("rejects %s with the reason", (expr, reason) => {
    expect(checkSchedule(expr, "UTC")).toContain(reason);
  });

  it("rejects an unknown time zone and accepts named zones, nicknames, names and 7 for Sunday", () => {
    expect(checkSchedule("0 * * * *", "Mars/Olympus")).toContain(`unknown time zone "Mars/Olympus"`);
    for (const ok of ["@hourly", "@daily", "0 9 * * mon-fri", "0 0 * jan,jul 7", "*/15 * * * *"])
      expect(checkSchedule(ok, "Europe/Berlin")).toBeUndefined();
  });

  it("keeps month and weekday names that contain L or W (JUL, WED)", () => {
    expect(checkSchedule("0 0 * JUL WED", "UTC")).toBeUndefined();
  });
});

describe("next slot", () => {
  it("fires at the expected instants in UTC", () => {
    expect(series("*/20 * * * *", "UTC", "2026-05-01T10:05:00Z", 4)).toEqual([
      "2026-05-01T10:20Z",
      "2026-05-01T10:40Z",
      "2026-05-01T11:00Z",
      "2026-05-01T11:20Z",
    ]);
    // Day of month OR weekday when both are given, like Vixie cron and Bun.cron.
    expect(series("0 0 13 * 5", "UTC", "2026-03-01T00:00:00Z", 3)).toEqual(["2026-03-06T00:00Z", "2026-03-13T00:00Z", "2026-03-20T00:00Z"]);
    expect(series("@weekly", "UTC", "2026-03-01T00:00:00Z", 1)).toEqual(["2026-03-08T00:00Z"]);
  });

  // Europe/Berlin 2026: clocks spring forward at 01:00Z on 29 March (02:00 → 03:00) and fall back at 01:00Z on 25 October (03:00 → 02:00).
  it("spring forward: a job inside the skipped hour runs once when the gap ends, none is lost", () => {
    expect(series("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T01:30Z",
      "2026-03-29T01:00Z",
      "2026-03-30T00:30Z",
    ]);
    // Two slots in the gap coalesce into one run at 03:00 local.
    expect(series("*/30 2 * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 3)).toEqual([
      "2026-03-29T01:00Z",
      "2026-03-30T00:00Z",
      "2026-03-30T00:30Z",
    ]);
    // An hourly job runs every real hour: 01:00 CET, then 03:00 CEST (02:00 does not exist).
    expect(series("0 * * * *", "Europe/Berlin", "2026-03-28T23:30:00Z", 3)).toEqual([
      "2026-03-29T00:00Z",
      "2026-03-29T01:00Z",
      "2026-03-29T02:00Z",
    ]);
  });

  it("fall back: a job at a fixed hour runs once at the repeated time; wildcard-hour jobs run every real hour", () => {
    expect(series("30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 2)).toEqual(["2026-10-25T00:30Z", "2026-10-26T01:30Z"]);
    expect(series("*/30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00Z", 3)).toEqual([
      "2026-10-25T00:00Z",
      "2026-10-25T00:30Z",
      "2026-10-26T01:00Z",
    ]);
    expect(series("0 * * * *", "Europe/Berlin", "2026-10-24T22:30:00Z", 4)).toEqual([
      "2026-10-24T23:00Z",
      "2026-10-25T00:00Z",
      "2026-10-25T01:00Z",
      "2026-10-25T02:00Z",
    ]);
    // Starting inside the repeated hour still finds the nearest slot.
    expect(series("*/15 * * * *", "Europe/Berlin", "2026-10-25T00:50:00Z", 3)).toEqual([
      "2026-10-25T01:00Z",
      "2026-10-25T01:15Z",
      "2026-10-25T01:30Z",
    ]);
  });

  it("lists the slots between two instants, keeping only the newest when there are too many", () => {
    const { slots, older } = slotsBetween(
      cronerBackend,
      sched("* * * * *"),
      Date.parse("2026-01-01T00:00:00Z"),
      Date.parse("2026-01-01T01:00:00Z"),
      10,
    );
    expect(older).toBe(50);
    expect(slots.map((s) => new Date(s).toISOString())).toEqual(
      Array.from({ length: 10 }, (_, i) => new Date(Date.parse("2026-01-01T00:51:00Z") + i * 60_000).toISOString()),
    );
  });
});
