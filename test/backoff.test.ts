import { describe, expect, it } from "vitest";
import { backoffMs, DB_OUTAGE } from "../src/backoff.ts";

const opts = { baseMs: 100, maxMs: 1_000 };

describe("backoffMs", () => {
  it("waits half the step with no jitter and the whole step with full jitter", () => {
    expect(backoffMs(1, opts, () => 0)).toBe(50);
    expect(backoffMs(1, opts, () => 1)).toBe(100);
    expect(backoffMs(1, opts, () => 0.5)).toBe(75);
  });

  it("doubles the step with each attempt, from the base at attempt 1", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, opts, () => 1))).toEqual([100, 200, 400, 800]);
  });

  it("caps the step at maxMs", () => {
    expect(backoffMs(5, opts, () => 1)).toBe(1_000);
    expect(backoffMs(30, opts, () => 0)).toBe(500);
  });

  it("treats attempt 0 and below as the first attempt", () => {
    expect(backoffMs(0, opts, () => 1)).toBe(100);
    expect(backoffMs(-3, opts, () => 1)).toBe(100);
  });

  it("rounds to whole milliseconds", () => {
    expect(backoffMs(1, { baseMs: 3, maxMs: 10 }, () => 0)).toBe(2);
    expect(backoffMs(1, { baseMs: 3, maxMs: 10 }, () => 1 / 3)).toBe(2);
  });

  it("rides out a database outage in 100–200 ms at first and at most 5 s", () => {
    expect(backoffMs(1, DB_OUTAGE, () => 0)).toBe(100);
    expect(backoffMs(1, DB_OUTAGE, () => 1)).toBe(200);
    expect(backoffMs(20, DB_OUTAGE, () => 1)).toBe(5_000);
  });
});
