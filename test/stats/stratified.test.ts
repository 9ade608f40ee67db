import { describe, expect, it } from "vitest";
import { binomialTable } from "../../src/stats/discrete.ts";
import { fisherExact } from "../../src/stats/proportions.ts";
import { stratifiedDropTest, type Stratum } from "../../src/stats/stratified.ts";
import { expectRel } from "./helpers.ts";

const opts = { delta: 0.1, tilt: 0.75 };

describe("stratified conditional drop test", () => {
  it("is Fisher's one-sided exact test for a single case", () => {
    // 3 failures of 5 now against 4 of 40 in the baseline: P(X ≥ 3), X ~ Hypergeometric(45, 7, 5).
    const s: Stratum = { failsNow: 3, scoredNow: 5, failsBase: 4, scoredBase: 40 };
    expect(stratifiedDropTest([s], opts).p).toBeCloseTo(fisherExact(3, 5, 4, 40, "greater"), 10);
    expect(stratifiedDropTest([s], { ...opts, tilt: 0 }).p).toBeCloseTo(fisherExact(3, 5, 4, 40, "greater"), 10);
  });

  it("ignores cases that carry no information: unscored, or never / always failing pooled", () => {
    const informative: Stratum = { failsNow: 2, scoredNow: 5, failsBase: 3, scoredBase: 40 };
    const t = stratifiedDropTest(
      [
        informative,
        { failsNow: 0, scoredNow: 5, failsBase: 0, scoredBase: 40 },
        { failsNow: 5, scoredNow: 5, failsBase: 40, scoredBase: 40 },
        { failsNow: 0, scoredNow: 0, failsBase: 3, scoredBase: 40 },
      ],
      opts,
    );
    expect(t.cases).toBe(1);
    expect(t.p).toBeCloseTo(stratifiedDropTest([informative], opts).p, 12);
  });

  // 38,025 tests by enumeration: 2 s here, over a minute under StrykerJS's instrumentation, which
  // would run it for every mutant it covers. The mutation run (npm run mutate) leaves it out.
  it.skipIf(process.env.STRYKER_MUTATOR_WORKER !== undefined)(
    "never alerts more often than α when nothing changed, whatever the case rates (exact, by enumeration)",
    () => {
      // Two cases with very different rates, 4 trials now and 12 in the baseline each. Enumerate every
      // outcome under H₀ (same rate now and before) and add up P(p < α).
      for (const [r1, r2] of [
        [0.95, 0.5],
        [0.99, 0.8],
        [0.7, 0.6],
      ] as const) {
        for (const alpha of [0.01, 0.05, 0.2]) {
          let size = 0;
          const b = (n: number, p: number) => binomialTable(n, 1 - p).probs; // failures
          const [n1, m1, n2, m2] = [b(4, r1), b(12, r1), b(4, r2), b(12, r2)];
          n1.forEach((pa, fa) =>
            m1.forEach((pb, fb) =>
              n2.forEach((pc, fc) =>
                m2.forEach((pd, fd) => {
                  const strata = [
                    { failsNow: fa, scoredNow: 4, failsBase: fb, scoredBase: 12 },
                    { failsNow: fc, scoredNow: 4, failsBase: fd, scoredBase: 12 },
                  ];
                  if (stratifiedDropTest(strata, opts).p < alpha) size += pa * pb * pc * pd;
                }),
              ),
            ),
          );
          expect(size).toBeLessThanOrEqual(alpha);
          // And not absurdly conservative: it uses a fair part of its level.
          if (alpha >= 0.05) expect(size).toBeGreaterThan(alpha / 5);
        }
      }
    },
  );

  it("weighs a failure of an easy case above one of a hard case (tilt > 0), and alike at tilt 0", () => {
    const easy = (failsNow: number): Stratum => ({ failsNow, scoredNow: 5, failsBase: 2, scoredBase: 200 });
    const hard = (failsNow: number): Stratum => ({ failsNow, scoredNow: 5, failsBase: 100, scoredBase: 200 });
    // One extra failure, on the easy case or on the hard one.
    const onEasy = stratifiedDropTest([easy(2), hard(3)], opts).p;
    const onHard = stratifiedDropTest([easy(1), hard(4)], opts).p;
    expect(onEasy).toBeLessThan(onHard);
    const equal = { ...opts, tilt: 0 };
    expect(stratifiedDropTest([easy(2), hard(2)], equal).p).toBeLessThan(stratifiedDropTest([easy(1), hard(2)], equal).p);
  });

  it("finds a drop spread thin over many cases that no single case shows", () => {
    const strata = Array.from({ length: 40 }, (_, i): Stratum => ({
      failsNow: i % 2 === 0 ? 2 : 1,
      scoredNow: 5,
      failsBase: 24,
      scoredBase: 240,
    }));
    const t = stratifiedDropTest(strata, opts);
    expect(t.failsNow).toBe(60);
    expect(t.expectedFails).toBeCloseTo((40 * 5 * (24 + 1.5)) / 245, 6);
    expect(t.p).toBeLessThan(1e-6);
    for (const s of strata) expect(stratifiedDropTest([s], opts).p).toBeGreaterThan(0.05);
  });

  // References: in Python, the exact null distribution of Σ wᵢ·fᵢ over every pair of outcomes
  // (scipy.stats.hypergeom tables, the weights from the formula unrounded). No outcome's sum lies
  // within 3 grid steps of the observed one, so the test's rounding of the weights cannot move any.
  describe("matches an independent enumeration on two cases of different difficulty", () => {
    // Easy case: 3 failures of 25 pooled (q = 3.5/26), one now. Hard case: 14 of 25 (q = 14.5/26), four now.
    const strata: Stratum[] = [
      { failsNow: 1, scoredNow: 5, failsBase: 2, scoredBase: 20 },
      { failsNow: 4, scoredNow: 5, failsBase: 10, scoredBase: 20 },
    ];
    it.each([
      [1, 0.15954], // weights logit(q + 0.1) − logit(q): 0.678321 and 0.421226
      [0.75, 0.159162],
      [0, 0.177839], // equal weights: P(X₁ + X₂ ≥ 5)
    ])("tilt %s: p = %s", (tilt, p) => {
      const t = stratifiedDropTest(strata, { delta: 0.1, tilt });
      expectRel(t.p, p);
      expect(t.cases).toBe(2);
      expect(t.failsNow).toBe(5);
      expect(t.expectedFails).toBeCloseTo((5 * 3) / 25 + (5 * 14) / 25, 12); // 3.4
    });
  });

  it("counts failures from the bottom of the table's support", () => {
    // 7 failures pooled over 9 trials, 5 of them now: at least 3 fail now. P(X ≥ 4) for
    // X ~ Hypergeometric(9, 7, 5) = (C(7,4)·C(2,1) + C(7,5))/C(9,5) = (70 + 21)/126 = 13/18.
    const t = stratifiedDropTest([{ failsNow: 4, scoredNow: 5, failsBase: 3, scoredBase: 4 }], opts);
    expect(t.p).toBeCloseTo(13 / 18, 10);
    expect(t.expectedFails).toBeCloseTo((5 * 7) / 9, 12);
  });

  it("keeps a hard case whose rate cannot fall by the whole δ (q + δ past 1)", () => {
    // q = 14.5/26 ≈ 0.56, so q + 0.5 > 1: the case still weighs in. One case alone is Fisher's
    // one-sided test: P(X ≥ 4), X ~ Hypergeometric(25, 14, 5) = (C(14,4)·11 + C(14,5))/C(25,5) = 13013/53130.
    const t = stratifiedDropTest([{ failsNow: 4, scoredNow: 5, failsBase: 10, scoredBase: 20 }], { delta: 0.5, tilt: 0.75 });
    expect(t.cases).toBe(1);
    expect(t.p).toBeCloseTo(13013 / 53130, 10);
  });

  it("leaves out a case with no baseline trials, failures now or not", () => {
    const informative: Stratum = { failsNow: 2, scoredNow: 5, failsBase: 3, scoredBase: 40 };
    const t = stratifiedDropTest([informative, { failsNow: 2, scoredNow: 5, failsBase: 0, scoredBase: 0 }], opts);
    expect(t.cases).toBe(1);
    expect(t.failsNow).toBe(2);
    expect(t.expectedFails).toBeCloseTo((5 * 5) / 45, 12);
  });

  it("with no informative case: p = 1 and nothing counted", () => {
    expect(stratifiedDropTest([], opts)).toEqual({ p: 1, cases: 0, failsNow: 0, expectedFails: 0 });
  });
});
