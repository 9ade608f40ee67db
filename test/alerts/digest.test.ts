import { describe, expect, it } from "vitest";
import { sparkline, topCostChange } from "../../src/alerts/digest.ts";

describe("message text", () => {
  it("draws a sparkline that does not turn noise into a cliff", () => {
    expect(sparkline([1, 1, 1, 0.5])).toBe("███▁");
    expect(sparkline([0.97, 0.96, 0.98])).toBe("▇▇█");
    expect(sparkline([0.9, null, 0.5])).toBe("█·▁");
    expect(sparkline([null, null])).toBe("··");
  });

  it("finds the case whose cost moved most", () => {
    const now = new Map([
      ["a", 0.002],
      ["b", 0.009],
      ["c", 0.001],
    ]);
    const base = new Map([
      ["a", 0.001],
      ["b", 0.003],
    ]);
    expect(topCostChange(now, base)).toEqual({ caseId: "b", nowUsd: 0.009, baselineUsd: 0.003 });
    expect(topCostChange(new Map([["a", 1]]), new Map([["a", 1]]))).toBeNull();
  });
});
