// The tally's rules, figure by figure, on rows small enough to count by hand (no database: these
// run under mutation testing; tally.test.ts holds the tally equal to the database's aggregates).
import { describe, expect, it } from "vitest";
import { TrialTally } from "../../src/engine/tally.ts";
import type { TrialRow } from "../../src/store/trials.ts";

const row = (over: Partial<TrialRow>): TrialRow => ({
  runId: "r",
  caseId: "a",
  repeat: 0,
  startedAt: new Date(0),
  latencyMs: 10,
  status: "pass",
  passed: true,
  score: 1,
  output: "x",
  steps: null,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  model: null,
  fingerprint: null,
  errorKind: null,
  errorMessage: null,
  assertions: null,
  ...over,
});

const tallyOf = (rows: TrialRow[]) => {
  const t = new TrialTally();
  for (const r of rows) t.add(r);
  return t.result();
};

describe("the tally's counts by case", () => {
  it("counts each status where aggregateTrials does: scored is pass, fail and budget_exceeded", () => {
    const { cases } = tallyOf([
      row({ status: "pass" }),
      row({ status: "pass" }),
      row({ status: "pass" }),
      row({ status: "fail", passed: false }),
      row({ status: "error", passed: false }),
      row({ status: "budget_exceeded", passed: false, errorMessage: "x (budget.trial.usd)" }),
      row({ status: "judge_error", passed: false }),
      row({ caseId: "b", status: "fail", passed: false }),
    ]);
    expect(cases).toEqual([
      { id: "a", trials: 7, scored: 5, passes: 3, errors: 1, budgetExceeded: 1, judgeErrors: 1, runaway: 1, runawayBy: { usd: 1 } },
      { id: "b", trials: 1, scored: 1, passes: 0, errors: 0, budgetExceeded: 0, judgeErrors: 0, runaway: 0, runawayBy: {} },
    ]);
  });

  it("names why a trial ran away: the bound in a trip's message, 'budget' without one, 'loop' for a loop within budget", () => {
    const loop = [{ kind: "loop" }];
    const { cases } = tallyOf([
      row({ caseId: "tokens", status: "budget_exceeded", errorMessage: "trial budget exceeded: 9 > 8 (budget.trial.tokens)" }),
      row({ caseId: "tokens", status: "budget_exceeded", errorMessage: "trial budget exceeded: 9 > 8 (budget.trial.tokens)" }),
      row({ caseId: "unnamed", status: "budget_exceeded", errorMessage: "no bound named" }),
      row({ caseId: "unnamed", status: "budget_exceeded", errorMessage: null }),
      row({ caseId: "both", status: "budget_exceeded", errorMessage: "(budget.trial.steps)", assertions: loop }), // the bound wins
      row({ caseId: "loop", status: "fail", assertions: loop }),
      row({ caseId: "loop-among", status: "fail", assertions: [{ kind: "other" }, null, { kind: "loop" }] }),
      row({ caseId: "no-loop", status: "fail", assertions: [{ type: "loop" }, { kind: "other" }] }), // no loop finding
      row({ caseId: "not-a-list", status: "fail", assertions: { kind: "loop" } }),
    ]);
    const by = Object.fromEntries(cases.map((c) => [c.id, { runaway: c.runaway, runawayBy: c.runawayBy }]));
    expect(by).toEqual({
      tokens: { runaway: 2, runawayBy: { tokens: 2 } },
      unnamed: { runaway: 2, runawayBy: { budget: 2 } },
      both: { runaway: 1, runawayBy: { steps: 1 } },
      loop: { runaway: 1, runawayBy: { loop: 1 } },
      "loop-among": { runaway: 1, runawayBy: { loop: 1 } },
      "no-loop": { runaway: 0, runawayBy: {} },
      "not-a-list": { runaway: 0, runawayBy: {} },
    });
  });

  it("case ids that differ only by a NUL (dropped when stored) are one case, their counts and reasons added", () => {
    const { cases } = tallyOf([
      row({ caseId: "a\u0000", status: "budget_exceeded", passed: false, errorMessage: "(budget.trial.usd)" }),
      row({ caseId: "a\u0000", status: "fail", passed: false, assertions: [{ kind: "loop" }] }),
      // Seen second, so these are added into the first one's counts.
      row({ caseId: "a", status: "budget_exceeded", passed: false, errorMessage: "(budget.trial.usd)" }),
      row({ caseId: "a", status: "budget_exceeded", passed: false, errorMessage: "(budget.trial.ttl)" }),
      row({ caseId: "a", status: "pass" }),
      row({ caseId: "a", status: "error", passed: false }),
      row({ caseId: "a", status: "judge_error", passed: false }),
    ]);
    expect(cases).toEqual([
      {
        id: "a",
        trials: 7,
        scored: 5,
        passes: 1,
        errors: 1,
        budgetExceeded: 3,
        judgeErrors: 1,
        runaway: 4,
        runawayBy: { usd: 2, ttl: 1, loop: 1 },
      },
    ]);
  });

  it("hands out copies: a later trial does not change a result already taken", () => {
    const t = new TrialTally();
    t.add(row({ status: "budget_exceeded", errorMessage: "(budget.trial.usd)" }));
    const first = t.result();
    t.add(row({ status: "budget_exceeded", errorMessage: "(budget.trial.usd)" }));
    expect(first.cases[0]).toMatchObject({ trials: 1, runawayBy: { usd: 1 } });
    expect(t.result().cases[0]).toMatchObject({ trials: 2, runawayBy: { usd: 2 } });
  });
});

describe("the tally's run-wide figures", () => {
  it("spend adds up over every trial, errors included", () => {
    const r = tallyOf([
      row({ inputTokens: 100, outputTokens: 10, costUsd: 0.5 }),
      row({ status: "error", inputTokens: 7, outputTokens: 3, costUsd: 0.25 }),
    ]);
    expect(r).toMatchObject({ inputTokens: 107, outputTokens: 13, costUsd: 0.75 });
  });

  it("latency percentiles interpolate between the replies' latencies, leaving out errors", () => {
    const r = tallyOf([
      row({ latencyMs: 40 }),
      row({ latencyMs: 10 }),
      row({ status: "error", latencyMs: 1000 }),
      row({ latencyMs: 30 }),
      row({ status: "fail", latencyMs: 20 }),
    ]);
    // Sorted 10, 20, 30, 40: p50 at index 1.5, p95 at index 2.85.
    expect(r.p50Ms).toBe(25);
    expect(r.p95Ms).toBeCloseTo(38.5, 10);
  });

  it("one reply is its own percentile; none gives none", () => {
    expect(tallyOf([row({ latencyMs: 7 })])).toMatchObject({ p50Ms: 7, p95Ms: 7 });
    expect(tallyOf([row({ status: "error" })])).toMatchObject({ p50Ms: null, p95Ms: null });
    expect(tallyOf([])).toMatchObject({ cases: [], p50Ms: null, model: null, fingerprint: null, costUsd: 0 });
  });

  it("model and fingerprint: the most frequent among replies, ties to the one that sorts first, errors and nulls left out", () => {
    const r = tallyOf([
      row({ model: "m-c", fingerprint: "f-2" }),
      row({ model: "m-b", fingerprint: "f-2" }),
      row({ model: "m-b", fingerprint: null }),
      row({ model: "m-a", fingerprint: "f-1" }),
      row({ model: "m-a", fingerprint: "f-1" }),
      row({ model: null }),
      row({ model: null }),
      row({ model: null }),
      row({ status: "error", model: "m-c", fingerprint: "f-3" }),
      row({ status: "error", model: "m-c", fingerprint: "f-3" }),
      row({ status: "error", model: "m-c", fingerprint: "f-3" }),
    ]);
    expect(r).toMatchObject({ model: "m-a", fingerprint: "f-1" });
  });

  it("a tie goes to the value that sorts first whichever came first; a missing model is not a model", () => {
    expect(tallyOf([row({ model: "a" }), row({ model: "b" })]).model).toBe("a");
    expect(tallyOf([row({ model: "b" }), row({ model: "a" })]).model).toBe("a");
    const unset = { model: undefined, fingerprint: undefined } as unknown as Partial<TrialRow>;
    expect(tallyOf([row(unset), row(unset), row({ model: "m", fingerprint: "f" })])).toMatchObject({ model: "m", fingerprint: "f" });
  });

  it("keeps every latency past its first buffer (1,024 replies)", () => {
    const r = tallyOf(Array.from({ length: 3000 }, (_, i) => row({ latencyMs: i })));
    expect(r.p50Ms).toBe(1499.5);
    expect(r.p95Ms).toBeCloseTo(2849.05, 9);
  });

  it("counts a model as stored (NUL dropped, lone surrogate as U+FFFD), and breaks ties in UTF-8 byte order", () => {
    expect(tallyOf([row({ model: "b" }), row({ model: "b\u0000" }), row({ model: "a" })]).model).toBe("b");
    expect(tallyOf([row({ fingerprint: "\uD800" }), row({ fingerprint: "\uFFFD" }), row({ fingerprint: "\u{1F600}" })]).fingerprint).toBe(
      "\uFFFD",
    );
    // U+1F600 sorts before U+FF5E in UTF-16 code units, after it in UTF-8 bytes (and in "C").
    expect(tallyOf([row({ model: "\u{1F600}" }), row({ model: "\uFF5E" })]).model).toBe("\uFF5E");
  });

  it("a value seen more often wins over one that sorts first", () => {
    expect(tallyOf([row({ model: "a" }), row({ model: "b" }), row({ model: "b" })]).model).toBe("b");
    expect(tallyOf([row({ model: "b" }), row({ model: "b" }), row({ model: "a" })]).model).toBe("b");
  });
});
