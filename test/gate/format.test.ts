import { describe, expect, it } from "vitest";
import { summarize } from "../../src/engine/summary.ts";
import { compareCost } from "../../src/gate/compare.ts";
import { decideGate, type GateCase } from "../../src/gate/decide.ts";
import { formatGate, usd } from "../../src/gate/format.ts";
import { gateJunit } from "../../src/gate/junit.ts";
import type { GateResult } from "../../src/gate/run-gate.ts";

const cases = (passes: number[], n: number): GateCase[] => passes.map((p, i) => ({ id: `c${i}`, passes: p, scored: n }));

/** A gate result over ten cases, as runGate assembles it, with each run's cost as given. */
function result(opts: { repeats: number; inc: number[]; cand: number[]; incUsd: number; candUsd: number; margin?: number }): GateResult {
  const run = (agent: string, passes: number[], usd: number) =>
    summarize(
      {
        runId: `run-${agent}`,
        job: "support",
        agent,
        status: "completed",
        goldenName: "support",
        goldenHash: "abc",
        startedAt: new Date("2025-06-02T12:00:00Z"),
        finishedAt: new Date("2025-06-02T12:01:00Z"),
        cases: passes.length,
        repeats: opts.repeats,
      },
      {
        cases: passes.map((p, i) => ({
          id: `c${i}`,
          trials: opts.repeats,
          scored: opts.repeats,
          passes: p,
          errors: 0,
          budgetExceeded: 0,
          judgeErrors: 0,
        })),
        p50Ms: 10,
        p95Ms: 20,
        inputTokens: 1000,
        outputTokens: 100,
        costUsd: usd,
        model: `${agent}-model-1`,
        fingerprint: null,
      },
    );
  const incumbent = run("incumbent-bot", opts.inc, opts.incUsd);
  const candidate = run("candidate-bot", opts.cand, opts.candUsd);
  const trials = (s: typeof incumbent, usd: number) =>
    s.perCase.flatMap((c) =>
      Array.from({ length: opts.repeats }, () => ({ caseId: c.id, costUsd: usd / (s.cases * opts.repeats), latencyMs: 10 })),
    );
  return {
    job: "support",
    incumbent,
    candidate,
    verdict: decideGate(cases(opts.inc, opts.repeats), cases(opts.cand, opts.repeats), { margin: opts.margin ?? 0.03 }),
    cost: compareCost({ trials: trials(incumbent, opts.incUsd), p95Ms: 20 }, { trials: trials(candidate, opts.candUsd), p95Ms: 20 }),
  };
}

describe("gate output", () => {
  it("says what the interval covers and prints the p of the question the verdict answers", () => {
    const text = formatGate(result({ repeats: 3, inc: Array(10).fill(3), cand: Array(10).fill(3), incUsd: 0.02, candUsd: 0.03 }));
    expect(text).toMatch(
      /90% interval \[[^\]]+\] for candidate − incumbent on cases like these \(paired by case; cases and repeats random\)/,
    );
    // Identical results: the floor sets the interval, and the output says why it is not zero-width.
    expect(text).toContain("the cases moved alike, so the binomial model's spread sets the interval");
    expect(text).toMatch(/p = 0\.\d+ for "worse by the margin or more" \(pass below 0\.05, fail above 0\.95\)/);
    expect(text).toContain("INCONCLUSIVE");
    expect(text).not.toContain("warning");
  });

  it("with one repeat per case, the printed p decides like the interval; McNemar is labelled as another question", () => {
    const inc = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, ...Array(20).fill(1), ...Array(8).fill(0)];
    const cand = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, ...Array(20).fill(1), ...Array(8).fill(0)];
    const text = formatGate(result({ repeats: 1, inc, cand, incUsd: 0.02, candUsd: 0.02 }));
    expect(text).toContain("FAIL");
    expect(text).toContain('p = 0.98 for "worse by the margin or more"');
    expect(text).toContain("McNemar mid-p for any difference = 0.022");
  });

  it("warns when an agent has no price instead of comparing against a silent $0", () => {
    const r0 = () => result({ repeats: 3, inc: Array(10).fill(3), cand: Array(10).fill(3), incUsd: 0.02, candUsd: 0 });
    const text = formatGate(r0());
    expect(text).toContain("cost       unknown for candidate-bot (counted as $0): no comparison");
    expect(text).toMatch(/warning {4}no price for model "candidate-bot-model-1" of agent candidate-bot/);
    expect(text).not.toContain("×0.00");
    expect(gateJunit(r0(), text)).toMatch(/<testcase [^>]*name="cost per case"[^>]*><system-out>no price for model/);
  });

  it("rounds what the JUnit report shows", () => {
    const xml = gateJunit(result({ repeats: 3, inc: Array(10).fill(3), cand: Array(10).fill(3), incUsd: 0.1, candUsd: 0.3 }), "");
    expect(xml).toContain("candidate $0.0100 vs incumbent $0.00333 per trial (×3.00)");
    expect(xml).toContain("candidate 20 ms vs incumbent 20 ms (×1.00; Mann–Whitney p 1)");
    expect(xml).not.toMatch(/\d\.\d{7,}/);
  });
});

describe("gate money", () => {
  it("puts the sign before the $ and never prints an exponent", () => {
    expect(usd(0.0123456)).toBe("$0.0123");
    expect(usd(0.00333)).toBe("$0.00333");
    expect(usd(-0.0000124)).toBe("−$0.0000124");
    expect(usd(-5.61e-8)).toBe("−$0.0000000561");
    expect(usd(0)).toBe("$0.0000");
    expect(usd(Number.NaN)).toBe("—");
  });
});
