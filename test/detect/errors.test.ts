import { describe, expect, it } from "vitest";
import { errorsFinding } from "../../src/detect/errors.ts";
import { betaBinomialPmf, upperTail } from "../../src/detect/predictive.ts";
import { hourlyPolicy, point } from "./helpers.ts";

// error_rate_above 0.2 (hourlyPolicy), α_errors = BUDGET_SHARES.errors / 720.
const policy = hourlyPolicy();
// Evidence keeps four significant digits.
const sig4 = (x: number) => Number(x.toPrecision(4));
const run = (errored: number, trials = 50, id = "now") => point({ id, errored, trials });
const runs = (errored: number, count = 20) => Array.from({ length: count }, (_, i) => run(errored, 50, `b${i}`));

describe("errorsFinding", () => {
  it("without a baseline, pages on an error rate above the limit, and not at it", () => {
    expect(errorsFinding(run(10), null, policy)).toBeUndefined();
    const f = errorsFinding(run(11), null, policy)!;
    expect(f).toMatchObject({ detector: "errors", severity: "critical", job: "job", agent: "bot" });
    expect(f.summary).toBe("agent down? 11 of 50 trials got no usable reply (22.0%; limit 20.0%)");
    expect(f.evidence).toEqual({ errored: 11, trials: 50, rate: 0.22, limit: 0.2, runId: "now" });
    expect(errorsFinding(run(0, 0), null, policy)).toBeUndefined();
  });

  it("does not page an agent that always drops a few requests for dropping a few more", () => {
    // Every baseline run lost 9 of 50 (18%, under the limit); 12 of 50 now is above the limit but within its habit.
    expect(errorsFinding(run(12), runs(9), policy)).toBeUndefined();
    // Against a clean baseline the same run pages.
    expect(errorsFinding(run(12), runs(0), policy)?.detector).toBe("errors");
    // And a real outage pages against the habitual baseline too, with the predictive p as evidence.
    const f = errorsFinding(run(30), runs(9), policy)!;
    const p = upperTail(betaBinomialPmf(50, 20 * 9 + 0.5, 20 * 41 + 0.5), 30);
    expect(p).toBeLessThan(policy.alpha.errors);
    expect(f.evidence.p).toBe(sig4(p));
    expect(f.summary).toMatch(/\(p = \d\.\de-\d+ against the baseline\)$/);
  });

  it("leaves baseline runs above the limit out: an outage is not the yardstick for the next one", () => {
    // A baseline of outages only: nothing healthy to compare with, so the limit alone decides.
    expect(errorsFinding(run(25), runs(25), policy)?.evidence).not.toHaveProperty("p");
    // Mixed: the outages are dropped, the healthy runs (no errors) judge the run.
    const mixed = [...runs(25, 10), ...runs(0, 10)];
    const f = errorsFinding(run(25), mixed, policy)!;
    expect(f.evidence.p).toBe(sig4(upperTail(betaBinomialPmf(50, 0.5, 500.5), 25)));
  });

  it("counts a baseline run exactly at the limit as healthy", () => {
    // 10 of 50 is 20%, not above the limit: these runs are the agent's habit, and 12 now is within it.
    expect(errorsFinding(run(12), runs(10), policy)).toBeUndefined();
  });

  it("ignores baseline runs without trials", () => {
    const f = errorsFinding(run(12), [...runs(0, 10), point({ id: "empty", errored: 0, trials: 0 })], policy)!;
    expect(f.evidence.p).toBe(sig4(upperTail(betaBinomialPmf(50, 0.5, 500.5), 12)));
  });
});
