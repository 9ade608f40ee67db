import { describe, expect, it } from "vitest";
import { detectRun } from "../../src/detect/detect-run.ts";
import { costPerCase, describeRunaway, runawayFinding, spendFinding } from "../../src/detect/spend.ts";
import { hourlyPolicy, point } from "./helpers.ts";

const policy = hourlyPolicy();

describe("runaway without history", () => {
  it("pages on the first run when trials hit a bound or looped, naming the bounds, the count and the spend", () => {
    const run = point({ runaway: 40, runawayBy: { tokens: 38, loop: 2 }, budgetExceeded: 38, costUsd: 267.4 });
    const f = runawayFinding(run, null, policy);
    expect(f).toMatchObject({ detector: "runaway", severity: "critical" });
    expect(f!.summary).toBe("40 of 50 trials ran away (38 hit budget.trial.tokens; 2 looped on a repeated tool call); $267.40 spent");
    expect(f!.evidence).toMatchObject({ runaway: 40, runawayBy: { tokens: 38, loop: 2 }, trials: 50, costUsd: 267.4, rule: "no_history" });
    // Through detectRun as the service calls it: the first run has no history at all.
    const out = detectRun({ current: run, history: [], previous: undefined, policy });
    expect(out.findings.map((x) => x.detector)).toContain("runaway");
  });

  it("pages from 10% of the trials; fewer is not enough evidence without a baseline", () => {
    expect(runawayFinding(point({ runaway: 5, runawayBy: { steps: 5 } }), null, policy)).toBeDefined(); // 5 of 50
    expect(runawayFinding(point({ runaway: 4, runawayBy: { steps: 4 } }), null, policy)).toBeUndefined(); // 4 of 50
    expect(runawayFinding(point({ runaway: 0 }), null, policy)).toBeUndefined();
    // An empty baseline is no baseline.
    expect(runawayFinding(point({ runaway: 5 }), [], policy)?.evidence).toMatchObject({ rule: "no_history" });
  });

  it("a run stopped for runaway always pages, with why", () => {
    const run = point({ status: "runaway", runaway: 13, runawayBy: { tokens: 13 }, costUsd: 17.2 });
    const f = runawayFinding(run, null, policy);
    expect(f!.summary).toBe("run stopped for runaway after 50 trials: 13 of 50 ran away (13 hit budget.trial.tokens); $17.20 spent");
    expect(f!.evidence).toMatchObject({ rule: "stopped", runaway: 13, trials: 50 });
    expect(detectRun({ current: run, history: [], previous: undefined, policy }).findings.map((x) => x.detector)).toContain("runaway");
  });

  it("with a baseline, the count is judged against the baseline's rate (beta-binomial predictive)", () => {
    const history = Array.from({ length: 30 }, (_, i) => point({ id: `r${i}`, runaway: 5 })); // 10% is normal here
    const usual = point({ runaway: 5, runawayBy: { usd: 5 } });
    expect(runawayFinding(usual, history, policy)).toBeUndefined();
    const more = runawayFinding(point({ runaway: 20, runawayBy: { usd: 20 } }), history, policy);
    expect(more!.evidence).toMatchObject({ rule: "predictive", baselineRunaway: 150, baselineTrials: 1500 });
    expect(more!.summary).toMatch(
      /^20 of 50 trials ran away \(20 hit budget\.trial\.usd\); \$0\.50 spent; against 150 in 1500 baseline trials/,
    );
  });

  it("describes why trials ran away, most common first", () => {
    expect(describeRunaway({ loop: 2, tokens: 38, ttl: 0 })).toBe("38 hit budget.trial.tokens; 2 looped on a repeated tool call");
    expect(describeRunaway(undefined)).toBe("hit a budget bound or looped");
    expect(describeRunaway({ tokens: 0 })).toBe("hit a budget bound or looped");
    // Ties by name; "budget" is a bound not recorded more precisely.
    expect(describeRunaway({ steps: 2, loop: 2, budget: 3 })).toBe(
      "3 hit a budget bound; 2 looped on a repeated tool call; 2 hit budget.trial.steps",
    );
  });

  it("a run stopped at its spending limit pages, naming runaway trials only when there were some", () => {
    const quiet = runawayFinding(point({ status: "budget_exhausted", trials: 30, runaway: 0, costUsd: 12 }), null, policy);
    expect(quiet!.summary).toBe("run stopped at its spending limit after 30 trials ($12.00 spent)");
    expect(quiet!.evidence).toMatchObject({ rule: "run_budget", runaway: 0 });
    const loud = runawayFinding(
      point({ status: "budget_exhausted", trials: 30, runaway: 3, runawayBy: { loop: 3 }, costUsd: 12 }),
      null,
      policy,
    );
    expect(loud!.summary).toBe(
      "run stopped at its spending limit after 30 trials ($12.00 spent); 3 ran away (3 looped on a repeated tool call)",
    );
  });

  it("counts budget hits as runaway for runs recorded before loops were counted, and needs trials", () => {
    const old = point({ budgetExceeded: 10 });
    delete (old as { runaway?: number }).runaway;
    expect(runawayFinding(old, null, policy)?.evidence).toMatchObject({ runaway: 10, budgetExceeded: 10 });
    expect(runawayFinding(point({ runaway: 3, trials: 0, cases: [] }), null, policy)).toBeUndefined();
    expect(runawayFinding(point({ runaway: 5 }), null, policy)!.evidence).not.toHaveProperty("runawayBy");
  });
});

describe("cost per case", () => {
  it("divides the cost by the trials that got a reply, and is unknown when none did", () => {
    expect(costPerCase({ costUsd: 3, trials: 10, errored: 4 })).toBe(0.5);
    expect(costPerCase({ costUsd: 3, trials: 4, errored: 4 })).toBeNull();
  });

  it("states small costs to three significant digits, larger ones to four decimals", () => {
    const policy = hourlyPolicy({ spend_growth: 1.5 });
    const baseline = Array.from({ length: 12 }, (_, i) => point({ id: `b${i}`, costUsd: 0.1 + i * 0.001 })); // ≈ $0.0021 per case
    const f = spendFinding(point({ costUsd: 1 }), baseline, policy)!;
    expect(f.summary).toBe("cost per case ×9.48: $0.0200 against the baseline median $0.00211");
    const dear = spendFinding(
      point({ costUsd: 50 }),
      baseline.map((b) => ({ ...b, costUsd: b.costUsd * 100 })),
      policy,
    )!;
    expect(dear.summary).toBe("cost per case ×4.74: $1.0000 against the baseline median $0.2110");
  });

  it("says nothing about spend when no trial got a reply", () => {
    const baseline = Array.from({ length: 12 }, (_, i) => point({ id: `b${i}`, costUsd: 1 }));
    const down = point({ costUsd: 0, cases: point().cases.map((c) => ({ ...c, errors: c.trials })) });
    expect(spendFinding(down, baseline, hourlyPolicy())).toBeUndefined();
  });
});
