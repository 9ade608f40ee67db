// Detectors that need no statistics: the fixed floor, the model change, and the baseline-size
// gate that decides whether the statistical detectors run at all.
import { describe, expect, it } from "vitest";
import { detectRun } from "../../src/detect/detect-run.ts";
import { modelChangeFinding } from "../../src/detect/model-change.ts";
import { MIN_BASELINE_RUNS } from "../../src/detect/policy.ts";
import { thresholdFinding } from "../../src/detect/threshold.ts";
import { hourlyPolicy, point } from "./helpers.ts";

describe("thresholdFinding", () => {
  const run = (low: number, estimate: number, high: number) => point({ id: "now", accuracy: { estimate, low, high } });

  it("fires only when the whole interval is below the floor", () => {
    expect(thresholdFinding(0.85, run(0.7, 0.8, 0.84))).toMatchObject({
      detector: "threshold",
      severity: "critical",
      summary: "accuracy 80.0% [70.0%, 84.0%] is below the floor 85%",
      evidence: { accuracy: 0.8, low: 0.7, high: 0.84, floor: 0.85, runId: "now" },
    });
    // The point estimate under the floor is not enough while the interval reaches it.
    expect(thresholdFinding(0.85, run(0.7, 0.8, 0.9))).toBeUndefined();
    // An upper bound exactly at the floor does not page.
    expect(thresholdFinding(0.85, run(0.7, 0.8, 0.85))).toBeUndefined();
  });

  it("is silent without a floor or without an accuracy", () => {
    expect(thresholdFinding(undefined, run(0, 0, 0))).toBeUndefined();
    expect(thresholdFinding(0.85, point({ accuracy: null }))).toBeUndefined();
  });
});

describe("modelChangeFinding", () => {
  const run = (model: string | null, fingerprint: string | null = null, id = "now") => point({ id, model, fingerprint });

  it("reports a changed model, with both sides as evidence", () => {
    expect(modelChangeFinding(run("m-2"), run("m-1", null, "prev"))).toMatchObject({
      detector: "model",
      severity: "warning",
      summary: "model changed from m-1 to m-2",
      evidence: { from: { model: "m-1", fingerprint: null, runId: "prev" }, to: { model: "m-2", fingerprint: null }, runId: "now" },
    });
  });

  it("reports a changed fingerprint under the same model", () => {
    expect(modelChangeFinding(run("m-1", "fp-b"), run("m-1", "fp-a"))?.summary).toBe("model m-1: fingerprint changed from fp-a to fp-b");
    expect(modelChangeFinding(run(null, "fp-b"), run(null, "fp-a"))?.summary).toBe("fingerprint changed from fp-a to fp-b");
  });

  it("reports nothing when either side has no model or fingerprint, or nothing changed", () => {
    expect(modelChangeFinding(run(null), run("m-1"))).toBeUndefined();
    expect(modelChangeFinding(run("m-1"), run(null))).toBeUndefined();
    expect(modelChangeFinding(run("m-1", null), run("m-1", "fp-a"))).toBeUndefined();
    expect(modelChangeFinding(run("m-1", "fp-a"), run("m-1", null))).toBeUndefined();
    expect(modelChangeFinding(run("m-1", "fp-a"), run("m-1", "fp-a"))).toBeUndefined();
    expect(modelChangeFinding(run("m-1"), undefined)).toBeUndefined();
  });
});

describe("the baseline-size gate", () => {
  const policy = hourlyPolicy();
  const history = (n: number) =>
    Array.from({ length: n }, (_, i) => point({ id: `h${i}`, startedAt: new Date(Date.UTC(2024, 4, 1, 0) - (i + 1) * 3_600_000) }));
  const current = point({ id: "now", startedAt: new Date(Date.UTC(2024, 4, 1, 0)), passes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] });

  it("runs the statistical detectors from exactly MIN_BASELINE_RUNS baseline runs", () => {
    expect(policy.minBaselineRuns).toBe(MIN_BASELINE_RUNS);
    const at = detectRun({ current, history: history(MIN_BASELINE_RUNS), previous: undefined, policy });
    expect(at.record.baselineRuns).toBe(MIN_BASELINE_RUNS);
    expect(at.record.z).not.toBeNull();
    expect(at.findings.map((f) => f.detector)).toContain("drop");
  });

  it("checks only what needs no history below it", () => {
    const below = detectRun({ current, history: history(MIN_BASELINE_RUNS - 1), previous: undefined, policy });
    expect(below.record).toMatchObject({ baselineRuns: 0, z: null, dropP: null, cusum: 0 });
    expect(below.findings.map((f) => f.detector)).not.toContain("drop");
  });
});
