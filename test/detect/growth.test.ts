import { describe, expect, it } from "vitest";
import { growth } from "../../src/detect/growth.ts";
import { latencyFinding } from "../../src/detect/latency.ts";
import { robustZThreshold } from "../../src/detect/policy.ts";
import { spendFinding } from "../../src/detect/spend.ts";
import { hourlyPolicy, point } from "./helpers.ts";

// 21 values 990…1010: median exactly 1000, a tight spread (about ±0.5% on the log scale).
const tight = Array.from({ length: 21 }, (_, i) => 990 + i);
// 21 values spread over ×4 around the same median: a noisy baseline.
const wide = Array.from({ length: 21 }, (_, i) => 1000 * 2 ** ((i - 10) / 5));
const alpha = 1e-5;

describe("growth", () => {
  it("needs both the ratio and the z: statistically clear but small growth does not alarm", () => {
    const g = growth(1200, tight, 1.5, alpha)!;
    expect(g.median).toBe(1000);
    expect(g.ratio).toBeCloseTo(1.2, 12);
    expect(g.z).toBeGreaterThan(g.threshold);
    expect(g.alarm).toBe(false);
  });

  it("needs both: a large ratio inside the baseline's own noise does not alarm", () => {
    const g = growth(3000, wide, 1.5, alpha)!;
    expect(g.ratio).toBeGreaterThanOrEqual(1.5);
    expect(g.z).toBeLessThan(g.threshold);
    expect(g.alarm).toBe(false);
  });

  it("alarms when both hold, a ratio exactly at the limit included", () => {
    expect(growth(2000, tight, 1.5, alpha)!.alarm).toBe(true);
    const atLimit = growth(1500, tight, 1.5, alpha)!;
    expect(atLimit.ratio).toBe(1.5);
    expect(atLimit.alarm).toBe(true);
    expect(growth(1499, tight, 1.5, alpha)!.alarm).toBe(false);
  });

  it("refers the z to the t-based threshold for the baseline's size and α", () => {
    const g = growth(1200, tight, 1.5, alpha)!;
    expect(g.threshold).toBe(robustZThreshold(alpha, tight.length));
    // Modified z of log(1200) against the logs: 0.6745·(log 1200 − log 1000)/MAD.
    const logs = tight.map(Math.log);
    const mad = logs.map((l) => Math.abs(l - Math.log(1000))).sort((a, b) => a - b)[10]!;
    expect(g.z).toBeCloseTo((0.6745 * Math.log(1.2)) / mad, 2);
  });

  it("is undefined without a positive value or two positive baseline values", () => {
    expect(growth(null, tight, 1.5, alpha)).toBeUndefined();
    expect(growth(0, tight, 1.5, alpha)).toBeUndefined();
    expect(growth(-5, tight, 1.5, alpha)).toBeUndefined();
    expect(growth(1200, [1000], 1.5, alpha)).toBeUndefined();
    expect(growth(1200, [1000, null, 0, -1, Number.NaN], 1.5, alpha)).toBeUndefined();
    // Infinite values are dropped too.
    expect(growth(5000, [1000, Number.POSITIVE_INFINITY, 1001], 1.5, alpha)).toMatchObject({ median: 1000.5 });
    // Nulls, zeros and negatives are dropped, not counted: two positives are enough.
    expect(growth(5000, [1000, null, 0, 1001], 1.5, alpha)).toMatchObject({ median: 1000.5 });
  });
});

describe("latencyFinding", () => {
  const policy = hourlyPolicy({ latency_growth: 1.5 });
  const baseline = tight.map((p95Ms, i) => point({ id: `b${i}`, p95Ms }));

  it("reports a p95 that grew past the limit and the noise, with its evidence", () => {
    const f = latencyFinding(point({ id: "now", p95Ms: 2500 }), baseline, policy)!;
    expect(f.detector).toBe("latency");
    expect(f.severity).toBe("warning");
    expect(f.summary).toBe("p95 latency ×2.50: 2.50 s against the baseline median 1.00 s");
    expect(f.evidence).toMatchObject({ p95Ms: 2500, baselineMedianMs: 1000, ratio: 2.5, growthLimit: 1.5, baselineRuns: 21, runId: "now" });
    const g = growth(2500, tight, 1.5, policy.alpha.latency)!;
    expect(f.evidence.threshold).toBeCloseTo(g.threshold, 2);
  });

  it("uses the job's latency limit and the latency share of α, and ignores runs without a p95", () => {
    expect(latencyFinding(point({ p95Ms: 1400 }), baseline, policy)).toBeUndefined();
    expect(latencyFinding(point({ p95Ms: 1400 }), baseline, hourlyPolicy({ latency_growth: 1.3 }))?.detector).toBe("latency");
    expect(latencyFinding(point({ p95Ms: null }), baseline, policy)).toBeUndefined();
    const sparse = [point({ p95Ms: 1000 }), point({ p95Ms: null }), point({ p95Ms: null })];
    expect(latencyFinding(point({ p95Ms: 5000 }), sparse, policy)).toBeUndefined();
  });

  it("states sub-second values in ms", () => {
    const fast = [400, 401, 402, 399, 398, 400, 401].map((p95Ms) => point({ p95Ms }));
    expect(latencyFinding(point({ p95Ms: 900 }), fast, policy)!.summary).toBe(
      "p95 latency ×2.25: 900 ms against the baseline median 400 ms",
    );
  });
});

describe("spendFinding", () => {
  it("needs the cost per case to grow past spend_growth and past the noise", () => {
    const policy = hourlyPolicy({ spend_growth: 1.5 });
    // point(): 50 answered trials; cost per case = costUsd / 50.
    const baseline = tight.map((c, i) => point({ id: `b${i}`, costUsd: c / 1000 }));
    expect(spendFinding(point({ costUsd: 1.2 }), baseline, policy)).toBeUndefined();
    const f = spendFinding(point({ id: "now", costUsd: 2 }), baseline, policy)!;
    expect(f).toMatchObject({ detector: "spend", severity: "critical" });
    expect(f.evidence).toMatchObject({ ratio: 2, growthLimit: 1.5, costPerCase: 0.04, baselineMedian: 0.02, runId: "now" });
  });
});
