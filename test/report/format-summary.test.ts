import { describe, expect, it } from "vitest";
import { summarize, type SummaryMeta } from "../../src/engine/summary.ts";
import { formatSummary } from "../../src/report/format-summary.ts";
import { roundForDisplay } from "../../src/round.ts";
import type { CaseCounts, TrialAggregates } from "../../src/store/runs.ts";

const meta: SummaryMeta = {
  runId: "run_1",
  job: "support-hourly",
  agent: "support-bot",
  status: "completed",
  goldenName: "support",
  goldenHash: "0123456789abcdef",
  startedAt: new Date("2025-06-02T12:00:00Z"),
  finishedAt: new Date("2025-06-02T12:00:09Z"),
  cases: 4,
  repeats: 10,
};

const counts = (id: string, passes: number, over: Partial<CaseCounts> = {}): CaseCounts => ({
  id,
  trials: 10,
  scored: 10,
  passes,
  errors: 0,
  budgetExceeded: 0,
  judgeErrors: 0,
  runaway: 0,
  runawayBy: {},
  ...over,
});

// Case rates 1, 0.9, 0.9, 0.9: their mean in floating point is 0.9249999999999999.
const agg = (over: Partial<TrialAggregates> = {}): TrialAggregates => ({
  cases: [counts("a", 10), counts("b", 9), counts("c", 9), counts("d", 9)],
  p50Ms: 20,
  p95Ms: 40,
  inputTokens: 12_000,
  outputTokens: 3_000,
  costUsd: 0.081,
  model: "acme-large-2",
  fingerprint: null,
  ...over,
});

describe("run summary text", () => {
  it("says what each interval covers", () => {
    const text = formatSummary(summarize(meta, agg()));
    expect(text).toMatch(/95% CI \[[^\]]+\] for accuracy on cases like these \(cases and repeats random; t over 4 case pass rates\)/);
    expect(text).toMatch(/pooled 37\/40, Wilson \[[^\]]+\] for accuracy on this golden set \(cases fixed, repeats random\)/);
  });

  it("warns when no price matched the agent's model instead of printing a silent $0", () => {
    const s = summarize(meta, agg({ costUsd: 0 }));
    expect(s.costUnknown).toBe("no-price");
    const text = formatSummary(s);
    expect(text).toContain("cost unknown (counted as $0)");
    expect(text).not.toContain("cost $0.0000");
    expect(text).toMatch(/warning {4}no price for model "acme-large-2" of agent support-bot.*set agents\.support-bot\.pricing/);
    // No tokens reported at all: the cost is unknown for another reason.
    const blind = summarize(meta, agg({ costUsd: 0, inputTokens: 0, outputTokens: 0 }));
    expect(blind.costUnknown).toBe("no-usage");
    expect(formatSummary(blind)).toMatch(/warning {4}agent support-bot reported no token usage/);
    // A priced run, and a run where nothing answered, carry no warning.
    expect(formatSummary(summarize(meta, agg()))).not.toContain("warning");
    const down = summarize(meta, agg({ costUsd: 0, cases: [counts("a", 0, { scored: 0, errors: 10 })] }));
    expect(down.costUnknown).toBeUndefined();
  });

  it("rounds what it shows: JSON output carries no 0.9249999999999999", () => {
    const s = summarize(meta, agg());
    expect(s.accuracy!.estimate).toBe(0.9249999999999999);
    const json = JSON.stringify(roundForDisplay(s));
    // Floating-point noise: a run of zeros or nines with a stray digit after it.
    expect(json).not.toMatch(/\.\d*(0{6,}|9{6,})\d/);
    expect(json).toContain('"estimate":0.925');
    // Small numbers keep their significant digits; integers and strings are untouched.
    expect(roundForDisplay({ usd: 0.000012345678, n: 12_345_678, id: "0.30000000000000004" })).toEqual({
      usd: 0.0000123457,
      n: 12_345_678,
      id: "0.30000000000000004",
    });
  });
});
