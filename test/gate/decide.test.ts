import { describe, expect, it } from "vitest";
import { decideGate, type GateCase } from "../../src/gate/decide.ts";
import { gateCases } from "../../src/gate/run-gate.ts";

const cases = (passes: number[], n = 5): GateCase[] => passes.map((p, i) => ({ id: `c${i}`, passes: p, scored: n }));

// The reference: incumbent [5,5,4,4,3,2,1,0]/5 vs candidate [5,4,4,2,2,2,0,0]/5:
// mean difference −0.125, SE 0.052610, t(7) p = 0.049174. t(7, 0.95) = 1.894579, so the 90%
// interval is −0.125 ± 0.099674 = [−0.224674, −0.025326].
const incumbent = cases([5, 5, 4, 4, 3, 2, 1, 0]);
const candidate = cases([5, 4, 4, 2, 2, 2, 0, 0]);

describe("gate decision", () => {
  it("reproduces the reference paired difference and its 90% interval", () => {
    const v = decideGate(incumbent, candidate, { margin: 0.03 });
    expect(v.method).toBe("paired-t");
    expect(v.difference).toBeCloseTo(-0.125, 12);
    expect(v.interval.low).toBeCloseTo(-0.224674, 5);
    expect(v.interval.high).toBeCloseTo(-0.025326, 5);
    expect(v.interval.level).toBeCloseTo(0.9, 12);
    expect(v.cases).toBe(8);
    expect(v.repeats).toBe(5);
  });

  it("is inconclusive when the interval contains −margin, and says how many repeats would decide", () => {
    const v = decideGate(incumbent, candidate, { margin: 0.03 });
    expect(v.decision).toBe("inconclusive");
    expect(v.reason).toContain("contains the margin");
    expect(v.repeatsToDecide).toBeGreaterThan(5);
  });

  it("fails when the whole interval is below −margin", () => {
    const v = decideGate(incumbent, candidate, { margin: 0.01 });
    expect(v.decision).toBe("fail");
    expect(v.reason).toContain("worse by more than the margin");
    expect(v.repeatsToDecide).toBeUndefined();
  });

  it("passes when the whole interval is above −margin", () => {
    expect(decideGate(incumbent, candidate, { margin: 0.25 }).decision).toBe("pass");
    // A candidate that does exactly the same passes at any positive margin; at margin 0 nothing
    // short of being better can prove "not worse at all".
    expect(decideGate(incumbent, incumbent, { margin: 0.01 }).decision).toBe("pass");
    expect(decideGate(incumbent, incumbent, { margin: 0 }).decision).toBe("inconclusive");
  });

  it("reports the one-sided p for 'worse by the margin or more' on K − 1 df", () => {
    // margin 0: the one-sided p of the reference t test is half its two-sided 0.049174.
    expect(decideGate(incumbent, candidate, { margin: 0 }).pValue).toBeCloseTo(1 - 0.049174 / 2, 5);
  });

  it("uses Newcombe's paired interval and McNemar's mid-p with one repeat per case", () => {
    // b = 2 cases only the candidate passes, c = 10 only the incumbent: mid-p 0.0224609 (issue reference).
    const inc = [...Array(10).fill(1), ...Array(2).fill(0), ...Array(20).fill(1), ...Array(8).fill(0)];
    const cand = [...Array(10).fill(0), ...Array(2).fill(1), ...Array(20).fill(1), ...Array(8).fill(0)];
    const v = decideGate(cases(inc, 1), cases(cand, 1), { margin: 0.03 });
    expect(v.method).toBe("mcnemar-newcombe");
    expect(v.pValue).toBeCloseTo(0.0224609, 6);
    expect(v.difference).toBeCloseTo(-8 / 40, 12);
    expect(v.decision).toBe("fail");
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
