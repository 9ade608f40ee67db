import { describe, expect, it } from "vitest";
import { decideGate, type GateCase } from "../../src/gate/decide.ts";
import { gateCases } from "../../src/gate/run-gate.ts";

const cases = (passes: number[], n = 5): GateCase[] => passes.map((p, i) => ({ id: `c${i}`, passes: p, scored: n }));

// The reference: incumbent [5,5,4,4,3,2,1,0]/5 vs candidate [5,4,4,2,2,2,0,0]/5:
// mean difference −0.125, sample SE 0.052610 (t(7) two-sided p = 0.049174). These cases vary less
// than five Bernoulli trials per case and arm can (a chance of about 1 in 20), so the binomial floor
// sets the standard error: rates shrunk toward their arm's pooled rate by two trials, pooled rates
// (x + 1)/(n + 2), SE = √(Σ p̃(1 − p̃)/5 over both arms)/8 = 0.0958556, and with t(7, 0.95) =
// 1.894579 the 90% interval is −0.125 ± 0.181606 = [−0.306606, 0.056606] (scipy).
const incumbent = cases([5, 5, 4, 4, 3, 2, 1, 0]);
const candidate = cases([5, 4, 4, 2, 2, 2, 0, 0]);

describe("gate decision", () => {
  it("uses the paired t over cases, its standard error floored by the binomial model", () => {
    const v = decideGate(incumbent, candidate, { margin: 0.03 });
    expect(v.method).toBe("paired-t");
    expect(v.varianceFloor).toBe(true);
    expect(v.difference).toBeCloseTo(-0.125, 12);
    expect(v.interval.low).toBeCloseTo(-0.306606, 5);
    expect(v.interval.high).toBeCloseTo(0.056606, 5);
    expect(v.interval.level).toBeCloseTo(0.9, 12);
    expect(v.cases).toBe(8);
    expect(v.repeats).toBe(5);
  });

  it("keeps the sample spread when it is the larger", () => {
    // Cases that move in opposite directions: sd of the differences 0.3 ≫ the binomial floor.
    const inc = cases([5, 5, 5, 5, 5, 5, 5, 5, 5, 5], 10);
    const cand = cases([10, 4, 10, 4, 10, 4, 10, 4, 10, 4], 10);
    const v = decideGate(inc, cand, { margin: 0.03 });
    expect(v.varianceFloor).toBe(false);
    // d = ±0.5/−0.1: mean 0.2, sd 0.316228, SE 0.1; t(9, 0.95) = 1.833113.
    expect(v.interval.low).toBeCloseTo(0.2 - 0.1833113, 6);
  });

  it("gives identical results an honest interval, not zero width and p = 0", () => {
    // Ten cases × 3 repeats, every trial passing for both: the sample SD is 0. The floor: pooled
    // rate 31/32, each case shrunk to (3 + 2·31/32)/5, SE = √(20·p̃(1 − p̃)/3)/10 = 0.0286852.
    const all = cases(Array(10).fill(3), 3);
    const v = decideGate(all, all, { margin: 0.03 });
    expect(v.varianceFloor).toBe(true);
    const p = (3 + (2 * 31) / 32) / 5;
    const se = Math.sqrt((20 * p * (1 - p)) / 3) / 10;
    expect(v.interval.high - v.interval.low).toBeCloseTo(2 * 1.833113 * se, 5);
    expect(v.decision).toBe("inconclusive");
    expect(v.pValue).toBeGreaterThan(0.05);
    // More repeats would decide it: the floor shrinks with N.
    expect(v.repeatsToDecide).toBeGreaterThan(3);
    // With enough evidence the same picture passes (40 cases × 10 repeats).
    const many = cases(Array(40).fill(10), 10);
    expect(decideGate(many, many, { margin: 0.03 }).decision).toBe("pass");
  });

  it("is inconclusive when the interval contains −margin, and says how many repeats would decide", () => {
    const v = decideGate(incumbent, candidate, { margin: 0.03 });
    expect(v.decision).toBe("inconclusive");
    expect(v.reason).toContain("contains the margin");
    expect(v.repeatsToDecide).toBeGreaterThan(5);
  });

  it("fails when the whole interval is below −margin", () => {
    const inc = cases(Array(12).fill(9), 10);
    const cand = cases([4, 5, 3, 6, 4, 5, 3, 6, 4, 5, 3, 6], 10);
    const v = decideGate(inc, cand, { margin: 0.03 });
    expect(v.decision).toBe("fail");
    expect(v.reason).toContain("worse by more than the margin");
    expect(v.repeatsToDecide).toBeUndefined();
  });

  it("passes when the whole interval is above −margin", () => {
    const v = decideGate(incumbent, candidate, { margin: 0.35 });
    expect(v.decision).toBe("pass");
    expect(v.pValue).toBeLessThan(0.05);
  });

  it("reports the one-sided p for 'worse by the margin or more' on K − 1 df, with the floored SE", () => {
    // scipy: t.cdf(−(d + m)/0.0958556, 7).
    expect(decideGate(incumbent, candidate, { margin: 0 }).pValue).toBeCloseTo(0.88327008, 6);
    expect(decideGate(incumbent, candidate, { margin: 0.25 }).pValue).toBeCloseTo(0.11672992, 6);
  });

  it("with one repeat per case, reports the p of the non-inferiority question the Newcombe interval decides", () => {
    // b = 2 cases only the candidate passes, c = 10 only the incumbent: McNemar's mid-p 0.0224609
    // (issue reference) asks "any difference?"; the verdict asks "worse by more than 3 points?".
    const inc = [...Array(10).fill(1), ...Array(2).fill(0), ...Array(20).fill(1), ...Array(8).fill(0)];
    const cand = [...Array(10).fill(0), ...Array(2).fill(1), ...Array(20).fill(1), ...Array(8).fill(0)];
    const v = decideGate(cases(inc, 1), cases(cand, 1), { margin: 0.03 });
    expect(v.method).toBe("mcnemar-newcombe");
    expect(v.mcnemarMidP).toBeCloseTo(0.0224609, 6);
    expect(v.difference).toBeCloseTo(-8 / 40, 12);
    expect(v.decision).toBe("fail");
    // Newcombe's upper bound meets −0.03 at z = 1.977566 (scipy brentq): p = Φ(z).
    expect(v.pValue).toBeCloseTo(0.97601114, 7);
    // Every case passing for both, 40 cases, margin 10 points: the lower bound meets −0.1 at p = 0.0175075.
    const all = cases(Array(40).fill(1), 1);
    const same = decideGate(all, all, { margin: 0.1 });
    expect(same.decision).toBe("pass");
    expect(same.pValue).toBeCloseTo(0.01750749, 7);
  });

  it("prints a p-value that agrees with the decision: pass iff p < α, fail iff p > 1 − α", () => {
    // Every 2×2 table of 24 cases run once, at three margins: the old McNemar mid-p broke this.
    let checked = 0;
    for (const margin of [0.02, 0.05, 0.1])
      for (let b = 0; b <= 8; b++)
        for (let c = 0; c <= 8; c++)
          for (const a of [0, 8]) {
            const d = 24 - a - b - c;
            if (d < 0) continue;
            const inc = [...Array(a).fill(1), ...Array(b).fill(0), ...Array(c).fill(1), ...Array(d).fill(0)];
            const cand = [...Array(a).fill(1), ...Array(b).fill(1), ...Array(c).fill(0), ...Array(d).fill(0)];
            const v = decideGate(cases(inc, 1), cases(cand, 1), { margin });
            expect(v.pValue < 0.05, `a=${a} b=${b} c=${c} m=${margin}: p ${v.pValue}, ${v.decision}`).toBe(v.decision === "pass");
            expect(v.pValue > 0.95, `a=${a} b=${b} c=${c} m=${margin}: p ${v.pValue}, ${v.decision}`).toBe(v.decision === "fail");
            checked++;
          }
    expect(checked).toBeGreaterThan(200);
  });

  it("cannot decide on fewer than two shared cases", () => {
    const v = decideGate(cases([5]), cases([0]), { margin: 0.03 });
    expect(v.decision).toBe("inconclusive");
    expect(v.repeatsToDecide).toBeNull();
  });

  it("says repeats cannot help when cases disagree in both directions", () => {
    // Half the cases got much better, half much worse: ω² dominates, only more cases help.
    const inc = cases([5, 0, 5, 0, 5, 0, 5, 0, 5, 0]);
    const cand = cases([0, 5, 0, 5, 0, 5, 0, 5, 0, 5]);
    const v = decideGate(inc, cand, { margin: 0.03 });
    expect(v.decision).toBe("inconclusive");
    expect(v.repeatsToDecide).toBeNull();
  });
});

describe("gateCases", () => {
  it("counts agent errors as failed trials, so a candidate cannot pass by erroring on hard cases", () => {
    const incumbent = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, passes: 5, scored: 5, errors: 0 }));
    // The candidate answers the easy half perfectly and returns 500 on the hard half.
    const candidate = incumbent.map((c, i) => (i < 5 ? c : { ...c, passes: 0, scored: 0, errors: 5 }));
    expect(gateCases(candidate).slice(5)).toEqual(Array.from({ length: 5 }, (_, i) => ({ id: `c${i + 5}`, passes: 0, scored: 5 })));
    const verdict = decideGate(gateCases(incumbent), gateCases(candidate), { margin: 0.03 });
    expect(verdict.decision).toBe("fail");
  });
});
