import { describe, expect, it } from "vitest";
import { binomialTable } from "../../src/stats/discrete.ts";
import { fisherExact } from "../../src/stats/proportions.ts";
import { stratifiedDropTest, type Stratum } from "../../src/stats/stratified.ts";

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
});
