import { describe, expect, it } from "vitest";
import { detectRun, type DetectOutput } from "../../src/detect/detect-run.ts";
import type { DetectionRecord, RunPoint } from "../../src/detect/types.ts";
import { hourlyPolicy, point, simulated } from "./helpers.ts";

const policy = hourlyPolicy();
const detectors = (out: DetectOutput) => out.findings.map((f) => f.detector);

/** Steps a history through detectRun run by run, like the service, and returns the last output. */
function replay(runs: readonly RunPoint[]): { out: DetectOutput; history: RunPoint[]; previous: DetectionRecord } {
  let history: RunPoint[] = [];
  let previous: DetectionRecord | undefined;
  let out: DetectOutput | undefined;
  for (const run of runs) {
    out = detectRun({ current: run, history, previous, policy });
    history = [run, ...history];
    previous = out.record;
  }
  return { out: out!, history, previous: previous! };
}

describe("detectRun", () => {
  it("stays quiet on an agent that has not changed", () => {
    const { agent } = simulated(1, 0);
    let findings = 0;
    let history: RunPoint[] = [];
    let previous: DetectionRecord | undefined;
    for (let i = 0; i < 150; i++) {
      const run = agent.run({ drop: 0, costFactor: 1 }, i);
      const out = detectRun({ current: run, history, previous, policy });
      findings += out.findings.length;
      history = [run, ...history].slice(0, 100);
      previous = out.record;
    }
    expect(findings).toBe(0);
    expect(previous!.baselineRuns).toBe(48);
    expect(previous!.z).not.toBeNull();
  });

  it("pages on a 20-point drop with the evidence: drop, spread, z and the worst cases", () => {
    const sim = simulated(2, 80);
    const out = detectRun({ current: sim.next({ drop: 0.2, costFactor: 1 }), history: sim.history, previous: undefined, policy });
    const drop = out.findings.find((f) => f.detector === "drop");
    expect(drop).toBeDefined();
    expect(drop!.severity).toBe("critical");
    expect(drop!.evidence.drop as number).toBeLessThan(-0.1);
    expect(drop!.evidence.test).toBe("conditional-exact");
    expect(drop!.evidence.p as number).toBeLessThan(drop!.evidence.alpha as number);
    expect(drop!.evidence.alpha as number).toBeCloseTo(policy.alpha.drop, 6);
    expect(out.record.dropP!).toBeCloseTo(drop!.evidence.p as number, 12);
    expect(out.record.incident).toBe(true);
    expect((drop!.evidence.worstCases as unknown[]).length).toBeGreaterThan(0);
    expect(drop!.summary).toMatch(/accuracy dropped −\d+\.\d points/);
  });

  it("accumulates a small sustained drop into a drift finding", () => {
    const sim = simulated(3, 100);
    let history = sim.history;
    let previous: DetectionRecord | undefined;
    let found: number | undefined;
    for (let j = 1; j <= 60 && found === undefined; j++) {
      const run = sim.agent.run({ drop: 0.05, costFactor: 1 }, 100 + j);
      const out = detectRun({ current: run, history, previous, policy });
      if (detectors(out).includes("drift") || detectors(out).includes("drop")) found = j;
      history = [run, ...history].slice(0, 100);
      previous = out.record;
    }
    expect(found).toBeDefined();
    expect(previous!.cusum).toBeGreaterThan(0);
  });

  it("reports cost per case growth as spend, and slower p95 as latency", () => {
    const sim = simulated(4, 60);
    const run = sim.next({ drop: 0, costFactor: 2 });
    const out = detectRun({ current: { ...run, p95Ms: run.p95Ms! * 3 }, history: sim.history, previous: undefined, policy });
    expect(detectors(out)).toEqual(expect.arrayContaining(["spend", "latency"]));
    const spend = out.findings.find((f) => f.detector === "spend")!;
    expect(spend.evidence.ratio as number).toBeGreaterThan(1.8);
  });

  it("calls agent errors 'agent down', never drift", () => {
    const sim = simulated(5, 60);
    const run = sim.next();
    // Half the trials got no reply: their cases have fewer scored trials, accuracy is unchanged.
    const cases = run.cases.map((c) => ({
      ...c,
      scored: Math.ceil(c.scored / 2),
      passes: Math.min(c.passes, Math.ceil(c.scored / 2)),
      errors: Math.floor(c.scored / 2),
    }));
    const errored = cases.reduce((s, c) => s + c.errors, 0);
    const out = detectRun({ current: { ...run, cases, errored }, history: sim.history, previous: undefined, policy });
    expect(detectors(out)).toContain("errors");
    expect(detectors(out)).not.toContain("drift");
    expect(out.findings.find((f) => f.detector === "errors")!.summary).toMatch(/^agent down\?/);
  });

  it("notes a model change against the previous run", () => {
    const sim = simulated(6, 10);
    const out = detectRun({ current: { ...sim.next(), model: "sim-model-2024-06-01" }, history: sim.history, previous: undefined, policy });
    const f = out.findings.find((x) => x.detector === "model");
    expect(f?.summary).toBe("model changed from sim-model-2024-01-01 to sim-model-2024-06-01");
  });

  it("starts a new baseline (an annotation, not an alert) when the golden set changes, and resets the CUSUM", () => {
    const sim = simulated(7, 60);
    const { previous } = replay([...sim.history].reverse());
    const changed = { ...sim.next({ drop: 0.3, costFactor: 1 }), goldenHash: "new-golden" };
    const out = detectRun({ current: changed, history: sim.history, previous: { ...previous, cusum: 5, cusumRun: 4 }, policy });
    expect(out.baselineChange).toMatchObject({ from: "sim-golden|", to: "new-golden|" });
    expect(out.baselineChange!.reason).toContain("golden set");
    expect(out.findings).toEqual([]);
    expect(out.record).toMatchObject({ baselineKey: "new-golden|", baselineRuns: 0, cusum: 0, cusumRun: 0 });
  });

  it("says what changed when a new baseline starts: the golden set, the judge, or both", () => {
    const old = point({ id: "old", goldenHash: "aaaaaaaaaaaaaaaa", judgeModel: "judge-1" });
    const reason = (current: RunPoint, history: RunPoint[] = [old], previous?: DetectionRecord) =>
      detectRun({ current, history, previous, policy }).baselineChange?.reason;
    expect(reason(point({ goldenHash: "aaaaaaaaaaaaaaaa", judgeModel: "judge-2" }))).toBe("judge judge-1 → judge-2");
    expect(reason(point({ goldenHash: "aaaaaaaaaaaaaaaa", judgeModel: null }))).toBe("judge judge-1 → none");
    expect(reason(point({ goldenHash: "bbbbbbbbbbbbbbbb", judgeModel: "judge-1" }))).toBe("golden set aaaaaaaaaaaa → bbbbbbbbbbbb");
    expect(reason(point({ goldenHash: "bbbbbbbbbbbbbbbb", judgeModel: null }))).toBe(
      "golden set aaaaaaaaaaaa → bbbbbbbbbbbb, judge judge-1 → none",
    );
    expect(reason({ ...old, id: "same" })).toBeUndefined();
    expect(reason(point(), [])).toBeUndefined(); // a first run starts no "new" baseline
    // The previous record's key counts over the history's (its runs may be gone); without a run to compare, no details.
    const record = detectRun({ current: old, history: [], previous: undefined, policy }).record;
    expect(reason(point({ goldenHash: "c" }), [], record)).toBe("new baseline");
    expect(reason(old, [point({ goldenHash: "other" })], record)).toBeUndefined();
  });

  it("records the run's runaway count, from its budget hits when loops were not counted", () => {
    const run = point({ budgetExceeded: 4 });
    delete (run as { runaway?: number }).runaway;
    expect(detectRun({ current: run, history: [], previous: undefined, policy }).record).toMatchObject({
      runaway: 4,
      runId: "run",
      job: "job",
      agent: "bot",
      baselineRuns: 0,
      incident: false,
      incidentSince: null,
      incidentClearRuns: 0,
      drop: null,
      dropP: null,
      sigma: null,
    });
  });

  it("a run stopped for runaway pages runaway, not the accuracy floor its cut trials would trip", () => {
    const floor = hourlyPolicy({ accuracy_below: 0.85 });
    const cases = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, scored: 1, passes: 0, trials: 1, errors: 0, budgetExceeded: 1 }));
    const stopped = point({ status: "runaway", cases, budgetExceeded: 10, runaway: 10, accuracy: { estimate: 0, low: 0, high: 0.3 } });
    expect(detectRun({ current: stopped, history: [], previous: undefined, policy: floor }).findings.map((f) => f.detector)).toEqual([
      "runaway",
    ]);
    // The same numbers on a completed run do trip the floor.
    const completed = { ...stopped, status: "completed", runaway: 0, budgetExceeded: 0 };
    expect(detectRun({ current: completed, history: [], previous: undefined, policy: floor }).findings.map((f) => f.detector)).toContain(
      "threshold",
    );
  });

  it("leaves the drift state alone on a run that did not complete", () => {
    const sim = simulated(8, 60);
    const prev: DetectionRecord = {
      runId: "p",
      job: "sim",
      agent: "sim-agent",
      startedAt: new Date(),
      baselineKey: "sim-golden|",
      baselineRuns: 48,
      drop: -0.02,
      sigma: 0.02,
      z: -1,
      dropP: 0.3,
      incident: false,
      incidentSince: null,
      incidentClearRuns: 0,
      cusum: 2.5,
      cusumRun: 3,
      runaway: 0,
      findings: [],
    };
    const out = detectRun({
      current: { ...sim.next({ drop: 0.5, costFactor: 1 }), status: "aborted" },
      history: sim.history,
      previous: prev,
      policy,
    });
    expect(out.record).toMatchObject({ cusum: 2.5, cusumRun: 3, z: null });
    expect(detectors(out)).not.toContain("drop");
  });

  it("reports a case that always passed and now fails repeatedly as flaky, per case", () => {
    const history = Array.from({ length: 60 }, (_, i) => point({ id: `r${i}`, passes: Array.from({ length: 10 }, () => 5) }));
    // Case c3 failed 2 of 5 in each of the last five runs and again now.
    const flakyRun = (id: string) => point({ id, passes: [5, 5, 5, 3, 5, 5, 5, 5, 5, 5] });
    const recent = Array.from({ length: 5 }, (_, i) => flakyRun(`f${i}`));
    const out = detectRun({ current: flakyRun("now"), history: [...recent, ...history], previous: undefined, policy });
    const f = out.findings.filter((x) => x.detector === "flaky");
    expect(f).toHaveLength(1);
    expect(f[0]!.caseId).toBe("c3");
    expect(f[0]!.evidence).toMatchObject({ failures: 12, trials: 30, baselineTrials: 240 });
    // One failure in one run of an always-passing case is not enough.
    const once = detectRun({ current: point({ passes: [5, 5, 5, 4, 5, 5, 5, 5, 5, 5] }), history, previous: undefined, policy });
    expect(once.findings.filter((x) => x.detector === "flaky")).toEqual([]);
  });

  it("reports runaway trials (budget hits, loops) beyond the baseline's rate, and a run stopped by its budget", () => {
    const history = Array.from({ length: 30 }, (_, i) => point({ id: `r${i}`, runaway: 0 }));
    const out = detectRun({ current: point({ runaway: 6 }), history, previous: undefined, policy });
    expect(detectors(out)).toContain("runaway");
    const quiet = detectRun({ current: point({ runaway: 1 }), history, previous: undefined, policy });
    expect(detectors(quiet)).not.toContain("runaway");
    const stopped = detectRun({ current: point({ status: "budget_exhausted" }), history, previous: undefined, policy });
    expect(detectors(stopped)).toContain("runaway");
  });

  it("applies the fixed floor on the interval's upper bound", () => {
    const floored = hourlyPolicy({ accuracy_below: 0.9 });
    const low = point({ accuracy: { estimate: 0.8, low: 0.75, high: 0.85 } });
    expect(detectors(detectRun({ current: low, history: [], previous: undefined, policy: floored }))).toEqual(["threshold"]);
    const noisy = point({ accuracy: { estimate: 0.85, low: 0.75, high: 0.95 } });
    expect(detectRun({ current: noisy, history: [], previous: undefined, policy: floored }).findings).toEqual([]);
  });

  it("turns off the statistical accuracy detectors with drift: false", () => {
    const sim = simulated(9, 60);
    const off = hourlyPolicy({ drift: false });
    const out = detectRun({ current: sim.next({ drop: 0.3, costFactor: 1 }), history: sim.history, previous: undefined, policy: off });
    expect(detectors(out)).not.toContain("drop");
    expect(out.record.z).toBeNull();
  });
});
