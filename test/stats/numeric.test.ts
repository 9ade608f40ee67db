import { describe, expect, it } from "vitest";
import { bisect, gaussLegendre, solveLinear } from "../../src/stats/numeric.ts";
import { expectRel } from "./helpers.ts";

describe("numeric helpers", () => {
  it("bisect finds √2", () => {
    expectRel(
      bisect((x) => x * x - 2, 0, 2, 1e-12),
      Math.SQRT2,
      1e-11,
    );
    expect(() => bisect((x) => x * x + 1, 0, 2)).toThrow(RangeError);
  });

  it("Gauss–Legendre is exact for polynomials of degree 2n − 1", () => {
    const { nodes, weights } = gaussLegendre(5);
    // Published 5-point rule: node 0.906179845938664, weight 0.236926885056189.
    expectRel(nodes[4]!, 0.906179845938664, 1e-12);
    expectRel(weights[4]!, 0.236926885056189, 1e-12);
    let integral = 0;
    for (let i = 0; i < 5; i++) integral += weights[i]! * nodes[i]! ** 8;
    expectRel(integral, 2 / 9, 1e-12);
    const big = gaussLegendre(200);
    expectRel(
      big.weights.reduce((a, b) => a + b, 0),
      2,
      1e-12,
    );
  });

  it("solveLinear solves with pivoting", () => {
    const a = Float64Array.of(0, 2, 1, 1, 1, 1, 2, 1, 0);
    const x = solveLinear(a, Float64Array.of(5, 4, 4), 3);
    [1, 2, 1].forEach((v, i) => expectRel(x[i]!, v, 1e-12));
  });
});
