import { describe, expect, it } from "vitest";
import { shadowChartPoints, shadowSection, type ShadowPoint } from "../../src/report/shadow-chart.ts";

const point = (job: string, day: number, winRate: number, decision = "pass"): ShadowPoint => ({
  job,
  candidate: "next",
  startedAt: new Date(Date.UTC(2026, 2, day)),
  winRate,
  winLow: winRate - 0.1,
  winHigh: winRate + 0.1,
  decision,
});

describe("shadow win-rate chart", () => {
  it("points carry the win rate and its interval band", () => {
    const [p] = shadowChartPoints([point("canary", 1, 0.55)]);
    expect(p).toMatchObject({ value: 0.55, low: 0.55 - 0.1, high: 0.55 + 0.1 });
    expect(p!.title).toMatch(/win rate 55\.0% \[45\.0%, 65\.0%\], pass/);
  });

  it("one chart per job, the last decision in its caption; nothing without runs", () => {
    const range = { from: new Date(Date.UTC(2026, 2, 1)), to: new Date(Date.UTC(2026, 2, 8)) };
    const html = shadowSection([point("a<b", 1, 0.5), point("canary", 2, 0.4, "fail"), point("a<b", 3, 0.6, "inconclusive")], range);
    expect(html.match(/<figure>/g)).toHaveLength(2);
    expect(html).toContain("a&lt;b: last inconclusive, win rate 60.0%");
    expect(html).toContain("canary: last fail, win rate 40.0%");
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(shadowSection([], range)).toBe("");
  });
});
