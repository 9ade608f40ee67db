import { describe, expect, it } from "vitest";
import { boundedMean, clusteredMean, clusterMeans, unitScoreFloor } from "../../src/stats/clustered.ts";
import { tQuantile } from "../../src/stats/distributions.ts";
import {
  combineOrders,
  decide,
  lengthControlled,
  preferenceOf,
  scoreOf,
  summarizePairs,
  type PairObservation,
  type Preference,
} from "../../src/stats/pairwise.ts";
import { expectRel } from "./helpers.ts";

const pair = (cluster: string, cf: Preference | null, inf: Preference | null, lc = 100, li = 100): PairObservation => ({
  cluster,
  candidateFirst: cf,
  incumbentFirst: inf,
  candidateLength: lc,
  incumbentLength: li,
});

describe("verdicts in both orders", () => {
  it("maps a position verdict to the agent shown in that position", () => {
    expect(preferenceOf("first", "candidate")).toBe("candidate");
    expect(preferenceOf("second", "candidate")).toBe("incumbent");
    expect(preferenceOf("first", "incumbent")).toBe("incumbent");
    expect(preferenceOf("second", "incumbent")).toBe("candidate");
    expect(preferenceOf("tie", "incumbent")).toBe("tie");
    expect(preferenceOf("tie", "candidate")).toBe("tie");
  });

  it("a verdict that flips with the order is a tie; the same verdict stands", () => {
    expect(combineOrders("candidate", "candidate")).toEqual({ final: "candidate", consistent: true });
    expect(combineOrders("incumbent", "incumbent")).toEqual({ final: "incumbent", consistent: true });
    expect(combineOrders("tie", "tie")).toEqual({ final: "tie", consistent: true });
    expect(combineOrders("candidate", "incumbent")).toEqual({ final: "tie", consistent: false });
    expect(combineOrders("candidate", "tie")).toEqual({ final: "tie", consistent: false });
    expect(combineOrders("tie", "incumbent")).toEqual({ final: "tie", consistent: false });
  });

  it("scores a win 1, a tie ½, a loss 0", () => {
    expect(scoreOf("candidate")).toBe(1);
    expect(scoreOf("tie")).toBe(0.5);
    expect(scoreOf("incumbent")).toBe(0);
  });
});

describe("clusteredMean", () => {
  it("is the mean of per-cluster means with a t(K−1) interval", () => {
    const v = [
      { cluster: "a", value: 1 },
      { cluster: "a", value: 0 },
      { cluster: "b", value: 1 },
      { cluster: "c", value: 0 },
      { cluster: "c", value: 0 },
      { cluster: "c", value: 0.5 },
    ];
    expect(clusterMeans(v)).toEqual([0.5, 1, 1 / 6]);
    const m = clusteredMean(v, 0.95);
    const means = [0.5, 1, 1 / 6];
    const mu = (0.5 + 1 + 1 / 6) / 3;
    const sd = Math.sqrt(means.reduce((s, x) => s + (x - mu) ** 2, 0) / 2);
    expectRel(m.estimate, mu, 1e-12);
    expect(m.clusters).toBe(3);
    expect(m.df).toBe(2);
    expectRel(m.se, sd / Math.sqrt(3), 1e-12);
    expectRel(m.high - m.estimate, tQuantile(0.975, 2) * (sd / Math.sqrt(3)), 1e-10);
    expectRel(m.estimate - m.low, tQuantile(0.975, 2) * (sd / Math.sqrt(3)), 1e-10);
    expect(m.floored).toBe(false);
  });

  it("below two clusters: the estimate and no interval; two clusters have one", () => {
    const m = clusteredMean([{ cluster: "a", value: 0.25 }]);
    expect(m).toEqual({
      estimate: 0.25,
      low: Number.NaN,
      high: Number.NaN,
      level: 0.95,
      clusters: 1,
      se: Number.NaN,
      df: 0,
      floored: false,
    });
    const two = clusteredMean([
      { cluster: "a", value: 0.25 },
      { cluster: "b", value: 0.75 },
    ]);
    expect(two.df).toBe(1);
    expectRel(two.high - two.estimate, tQuantile(0.975, 1) * 0.25, 1e-10);
  });

  it("a floor keeps identical clusters from claiming certainty", () => {
    const v = Array.from({ length: 10 }, (_, i) => ({ cluster: String(i), value: 0.5 }));
    const m = clusteredMean(v, 0.95, unitScoreFloor);
    expect(m.floored).toBe(true);
    expectRel(m.se, Math.sqrt(0.5 / 11 / 10), 1e-12);
    expect(m.low).toBeLessThan(0.5);
    expect(m.high).toBeGreaterThan(0.5);
    expect(clusteredMean(v, 0.95).se).toBe(0);
  });
});

describe("boundedMean (arcsine-square-root interval for a score in [0, 1])", () => {
  it("all wins: estimate 1, a finite interval below 1, never above it", () => {
    const v = Array.from({ length: 20 }, (_, i) => ({ cluster: String(i), value: 1 }));
    const m = boundedMean(v);
    expect(m.estimate).toBe(1);
    expect(m.high).toBe(1);
    expect(m.low).toBeLessThan(1);
    expect(m.low).toBeGreaterThan(0.8);
    expect(m.floored).toBe(true);
  });

  it("all losses: the mirror image", () => {
    const v = Array.from({ length: 20 }, (_, i) => ({ cluster: String(i), value: 0 }));
    const m = boundedMean(v);
    expect(m.low).toBe(0);
    expect(m.high).toBeGreaterThan(0);
    expect(m.high).toBeCloseTo(1 - boundedMean(v.map((x) => ({ ...x, value: 1 }))).low, 12);
  });

  it("symmetric at ½, and the same standard error as clusteredMean", () => {
    const v = [0, 1, 0.5, 0.5, 1, 0].map((value, i) => ({ cluster: String(i), value }));
    const b = boundedMean(v);
    const c = clusteredMean(v, 0.95, unitScoreFloor);
    expect(b.estimate).toBe(0.5);
    expect(b.se).toBe(c.se);
    expect(b.high - 0.5).toBeCloseTo(0.5 - b.low, 12);
    expect(b.low).toBeGreaterThan(0);
  });

  it("one cluster: no interval; two clusters: on the arcsine scale", () => {
    expect(boundedMean([{ cluster: "a", value: 1 }]).low).toBeNaN();
    const two = boundedMean([
      { cluster: "a", value: 0 },
      { cluster: "b", value: 0.5 },
    ]);
    const raw = clusteredMean(
      [
        { cluster: "a", value: 0 },
        { cluster: "b", value: 0.5 },
      ],
      0.95,
      unitScoreFloor,
    );
    expect(two.low).toBe(0);
    expect(two.low).not.toBe(raw.low);
  });
});

describe("summarizePairs", () => {
  it("a judge that always prefers the first position: every pair a tie, win rate ½, swap consistency 0", () => {
    const pairs = Array.from({ length: 60 }, (_, i) => pair(`in${i}`, "candidate", "incumbent", 100 + i * 10, 100));
    const s = summarizePairs(pairs, { margin: 0.05 });
    expect(s.ties).toBe(60);
    expect(s.flips).toBe(60);
    expect(s.wins + s.losses).toBe(0);
    expect(s.tieRate).toBe(1);
    expect(s.swapConsistency).toBe(0);
    expect(s.winRate.estimate).toBe(0.5);
    // The win rate would clear 0.45, but a judge that only follows position is no evidence.
    expect(s.decision.lower).toBeGreaterThan(0.45);
    expect(s.decision.decision).toBe("inconclusive");
    expect(s.decision.reason).toMatch(/same verdict in both orders on only 0\.0%/);
  });

  it("counts wins, losses, ties, flips, judge errors and forfeits apart", () => {
    const pairs: PairObservation[] = [
      pair("a", "candidate", "candidate"),
      pair("a", "incumbent", "incumbent"),
      pair("b", "tie", "tie"),
      pair("b", "candidate", "incumbent"),
      pair("c", null, "candidate"),
      pair("c", "candidate", null),
      { ...pair("d", null, null), forfeit: "candidate" },
      { ...pair("d", null, null), forfeit: "incumbent" },
      { ...pair("e", null, null), forfeit: "both" },
    ];
    const s = summarizePairs(pairs, { margin: 0.1 });
    expect(s.pairs).toBe(9);
    expect(s.judgeErrors).toBe(2);
    expect(s.forfeits).toBe(2);
    expect(s.bothFailed).toBe(1);
    expect(s.decided).toBe(6);
    expect(s.wins).toBe(2);
    expect(s.losses).toBe(2);
    expect(s.ties).toBe(2);
    expect(s.flips).toBe(1);
    // Rates over the 4 judged pairs (forfeits were not judged).
    expect(s.tieRate).toBe(0.5);
    expect(s.swapConsistency).toBe(0.75);
    // Clusters a (1, 0), b (½, ½), d (0, 1): every input's mean is ½.
    expect(s.winRate.clusters).toBe(3);
    expect(s.winRate.estimate).toBe(0.5);
    // Length differences only from judged pairs.
    expect(s.lengthDifference.clusters).toBe(2);
  });

  it("win rate is the mean over inputs, not over pairs: an input's repeats count once", () => {
    const pairs = [
      pair("a", "candidate", "candidate"),
      pair("a", "candidate", "candidate"),
      pair("a", "candidate", "candidate"),
      pair("b", "incumbent", "incumbent"),
    ];
    const s = summarizePairs(pairs, { margin: 0.05 });
    expect(s.winRate.estimate).toBe(0.5);
    expect(s.wins).toBe(3);
  });

  it("mean length difference is candidate − incumbent, clustered", () => {
    const pairs = [pair("a", "tie", "tie", 300, 100), pair("a", "tie", "tie", 100, 100), pair("b", "tie", "tie", 50, 150)];
    const s = summarizePairs(pairs, { margin: 0.05 });
    // a: (200 + 0)/2 = 100; b: −100 → 0.
    expect(s.lengthDifference.estimate).toBe(0);
    expect(s.lengthDifference.clusters).toBe(2);
  });

  it("a length-biased judge: the raw win rate favours the longer candidate, the length-controlled one does not", () => {
    // Truth: no preference at equal length; the judge picks the longer reply. The candidate is
    // longer on most inputs.
    const pairs: PairObservation[] = [];
    const diffs = [-60, -20, 0, 0, 0, 20, 40, 60, 80, 100, 120, 140, 160, -40, 10, 30];
    diffs.forEach((d, i) => {
      const pref: Preference = d > 0 ? "candidate" : d < 0 ? "incumbent" : "tie";
      pairs.push(pair(`in${i}`, pref, pref, 200 + d, 200));
    });
    const s = summarizePairs(pairs, { margin: 0.05 });
    expect(s.winRate.estimate).toBeGreaterThan(0.7);
    expect(s.lengthControlled.winRate).toBeGreaterThan(0.4);
    expect(s.lengthControlled.winRate).toBeLessThan(0.6);
    expect(s.lengthControlled.low).toBeLessThan(0.5);
    expect(s.lengthControlled.high).toBeGreaterThan(0.5);
    expect(s.lengthControlled.slopePer100).toBeGreaterThan(1);
    expect(s.lengthDifference.estimate).toBeGreaterThan(30);
  });

  it("a forfeit is a loss for the agent that gave no reply, a win for the other", () => {
    const lost = summarizePairs(
      [
        { ...pair("a", null, null), forfeit: "candidate" },
        { ...pair("b", null, null), forfeit: "candidate" },
      ],
      { margin: 0.05 },
    );
    expect([lost.wins, lost.losses, lost.winRate.estimate]).toEqual([0, 2, 0]);
    const won = summarizePairs([{ ...pair("a", null, null), forfeit: "incumbent" }], { margin: 0.05 });
    expect([won.wins, won.losses]).toEqual([1, 0]);
  });

  it("minConsistency is the caller's: 0 lets a position-biased judge's ties pass", () => {
    const pairs = Array.from({ length: 60 }, (_, i) => pair(`in${i}`, "candidate", "incumbent"));
    expect(summarizePairs(pairs, { margin: 0.05, minConsistency: 0 }).decision.decision).toBe("pass");
    expect(summarizePairs(pairs, { margin: 0.05 }).decision.decision).toBe("inconclusive");
  });

  it("a margin of 0 is allowed (no shortfall tolerated)", () => {
    expect(summarizePairs([pair("a", "tie", "tie"), pair("b", "tie", "tie")], { margin: 0 }).decision.threshold).toBe(0.5);
  });

  it("rejects a margin or alpha out of range", () => {
    expect(() => summarizePairs([], { margin: 0.5 })).toThrow(/margin/);
    expect(() => summarizePairs([], { margin: -0.1 })).toThrow(/margin/);
    expect(() => summarizePairs([], { margin: 0.1, alpha: 0.5 })).toThrow(/alpha/);
    expect(() => summarizePairs([], { margin: 0.1, alpha: 0 })).toThrow(/alpha/);
  });

  it("no pairs: NaN rates and an inconclusive decision", () => {
    const s = summarizePairs([], { margin: 0.05 });
    expect(s.tieRate).toBeNaN();
    expect(s.swapConsistency).toBeNaN();
    expect(s.decision.decision).toBe("inconclusive");
  });
});

describe("lengthControlled", () => {
  it("reads the fit at zero difference with a t(G − 1) interval on the logit scale (numpy reference)", () => {
    const x = [-120, -40, 0, 10, 30, 55, 80, 150, 200, -10, 60, 90];
    const y = [0, 0.5, 0.5, 1, 0, 1, 1, 1, 1, 0, 0.5, 1];
    const cl = ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "f", "f"];
    const lc = lengthControlled(x.map((xi, i) => ({ x: xi, y: y[i]!, cluster: cl[i]! })));
    const [b0, b1, se] = [-0.07275607330474988, 0.01672103317528473, 0.4517920409095398];
    const half = tQuantile(0.975, 5) * se;
    const s = (z: number) => 1 / (1 + Math.exp(-z));
    expectRel(lc.winRate, s(b0), 1e-7);
    expectRel(lc.low, s(b0 - half), 1e-7);
    expectRel(lc.high, s(b0 + half), 1e-7);
    expectRel(lc.slopePer100, b1 * 100, 1e-7);
    expect(lc.converged).toBe(true);
  });

  it("two inputs are enough for an interval", () => {
    const lc = lengthControlled([
      { x: 10, y: 1, cluster: "a" },
      { x: -10, y: 0, cluster: "b" },
      { x: 30, y: 1, cluster: "a" },
      { x: 0, y: 0.5, cluster: "b" },
    ]);
    expect(Number.isFinite(lc.low) && Number.isFinite(lc.high)).toBe(true);
    expect(lc.low).toBeLessThan(lc.winRate);
    expect(lc.high).toBeGreaterThan(lc.winRate);
  });

  it("one input: the estimate without an interval", () => {
    const lc = lengthControlled([
      { x: 10, y: 1, cluster: "a" },
      { x: -10, y: 0, cluster: "a" },
    ]);
    expect(lc.winRate).toBeCloseTo(0.5, 9);
    expect(lc.low).toBeNaN();
    expect(lc.high).toBeNaN();
  });
});

describe("decide (non-inferiority against ½ − margin)", () => {
  const scores = (values: number[]) => values.map((value, i) => ({ cluster: String(i), value }));
  const ok = { margin: 0.05, alpha: 0.05, minConsistency: 0.5, swapConsistency: 1 };

  it("pass when the one-sided lower bound clears ½ − margin, with the bound at the (1 − 2α) interval", () => {
    const v = [...Array(30).fill(1), ...Array(10).fill(0), ...Array(20).fill(0.5)];
    const d = decide(scores(v), ok);
    const mu = v.reduce((s, x) => s + x, 0) / v.length;
    const sd = Math.sqrt(v.reduce((s, x) => s + (x - mu) ** 2, 0) / (v.length - 1));
    // Arcsine-square-root scale: slope 1/(2√(m̃(1 − m̃))) at m̃ = (K·m + 1)/(K + 2).
    const k = v.length;
    const shrunk = (mu * k + 1) / (k + 2);
    const half = (tQuantile(0.95, k - 1) * (sd / Math.sqrt(k))) / (2 * Math.sqrt(shrunk * (1 - shrunk)));
    const phi = Math.asin(Math.sqrt(mu));
    expectRel(d.lower, Math.sin(phi - half) ** 2, 1e-10);
    expectRel(d.upper, Math.sin(phi + half) ** 2, 1e-10);
    // Asymmetric: the bound toward ½ is farther from the estimate than the bound away from it.
    expect(mu - d.lower).toBeGreaterThan(d.upper - mu);
    expect(d.threshold).toBe(0.45);
    expect(d.decision).toBe("pass");
    expect(d.pValue).toBeLessThan(0.05);
    expect(d.reason).toMatch(/no worse than the margin/);
  });

  it("fail when the upper bound is below ½ − margin", () => {
    const v = [...Array(10).fill(1), ...Array(40).fill(0), ...Array(10).fill(0.5)];
    const d = decide(scores(v), ok);
    expect(d.decision).toBe("fail");
    expect(d.upper).toBeLessThan(0.45);
    expect(d.pValue).toBeGreaterThan(0.95);
    expect(d.reason).toMatch(/worse by more than the margin/);
  });

  it("inconclusive when the interval contains ½ − margin", () => {
    const v = [1, 0, 1, 0, 0.5, 0, 1, 0];
    const d = decide(scores(v), ok);
    expect(d.decision).toBe("inconclusive");
    expect(d.lower).toBeLessThan(0.45);
    expect(d.upper).toBeGreaterThan(0.45);
    expect(d.reason).toMatch(/contains 45\.0%/);
  });

  it("a low swap consistency withholds a pass but not a fail", () => {
    const good = [...Array(30).fill(1), ...Array(10).fill(0), ...Array(20).fill(0.5)];
    expect(decide(scores(good), { ...ok, swapConsistency: 0.49 }).decision).toBe("inconclusive");
    expect(decide(scores(good), { ...ok, swapConsistency: 0.5 }).decision).toBe("pass");
    const bad = [...Array(10).fill(1), ...Array(40).fill(0), ...Array(10).fill(0.5)];
    expect(decide(scores(bad), { ...ok, swapConsistency: 0.1 }).decision).toBe("fail");
  });

  it("no judged pairs (every pair forfeited): no consistency to withhold a pass on", () => {
    const good = [...Array(30).fill(1), ...Array(10).fill(0), ...Array(20).fill(0.5)];
    expect(decide(scores(good), { ...ok, swapConsistency: Number.NaN }).decision).toBe("pass");
    const forfeits = Array.from({ length: 30 }, (_, i) => ({ ...pair(`in${i}`, null, null), forfeit: "incumbent" as const }));
    const s = summarizePairs(forfeits, { margin: 0.05 });
    expect(s.swapConsistency).toBeNaN();
    expect(s.wins).toBe(30);
    expect(s.decision.decision).toBe("pass");
  });

  it("the margin moves the threshold; alpha widens the bounds", () => {
    const v = [...Array(25).fill(1), ...Array(25).fill(0)];
    expect(decide(scores(v), { ...ok, margin: 0 }).decision).toBe("inconclusive");
    expect(decide(scores(v), { ...ok, margin: 0.2 }).decision).toBe("pass");
    const narrow = decide(scores(v), { ...ok, alpha: 0.2 });
    const wide = decide(scores(v), { ...ok, alpha: 0.01 });
    expect(wide.lower).toBeLessThan(narrow.lower);
    expect(wide.upper).toBeGreaterThan(narrow.upper);
  });

  it("the p-value agrees with the bounds: pass exactly when p < α, fail exactly when p > 1 − α", () => {
    let seed = 7;
    const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const seen = new Set<string>();
    for (let run = 0; run < 300; run++) {
      const k = 5 + Math.floor(next() * 40);
      const bias = next();
      const v = Array.from({ length: k }, () => (next() < bias ? 1 : next() < 0.3 ? 0.5 : 0));
      const d = decide(scores(v), { ...ok, margin: next() * 0.3 });
      seen.add(d.decision);
      expect(d.decision === "pass").toBe(d.pValue < 0.05);
      expect(d.decision === "fail").toBe(d.pValue > 0.95);
    }
    expect(seen.size).toBe(3);
  });

  it("one input or none: inconclusive; two are enough to decide", () => {
    const d = decide(scores([1]), ok);
    expect(d.decision).toBe("inconclusive");
    expect(d.reason).toBe("only 1 input decided; at least 2 are needed");
    expect(decide(scores([]), ok).reason).toBe("only 0 inputs decided; at least 2 are needed");
    const two = decide(scores([0, 0]), { ...ok, margin: 0.3 });
    expect(two.reason).not.toMatch(/only/);
    expect(two.reason).toMatch(/^win rate 0\.0%, 90% interval \[0\.0%, \d+\.\d%\]/);
  });
});
