// Every detector over one finished run, as a pure function of the run, its history and the
// previous run's detection record. The service (src/detect/index.ts) and the simulation bench
// (bench/detection.ts) both call this, so the bench measures exactly what pages.
import { cusumStart, type CusumState } from "../stats/control.ts";
import { compareAccuracy } from "./accuracy.ts";
import { baselineKey, selectBaseline } from "./baseline.ts";
import { driftStep } from "./drift.ts";
import { continuedDropFinding, suddenDropFinding, windowTests } from "./drop.ts";
import { errorsFinding } from "./errors.ts";
import { flakyFindings } from "./flaky.ts";
import { latencyFinding } from "./latency.ts";
import { modelChangeFinding } from "./model-change.ts";
import type { DetectionPolicy } from "./policy.ts";
import { runawayFinding, spendFinding } from "./spend.ts";
import { thresholdFinding } from "./threshold.ts";
import type { AcceptedLevel, DetectionRecord, Finding, RunPoint } from "./types.ts";

/** What detection needs about one run. */
export interface DetectInput {
  current: RunPoint;
  /** Completed runs of the same job and agent (not gate runs), newest first, without the current one. */
  history: readonly RunPoint[];
  /** The job's previous detection record (CUSUM state), if any. */
  previous: DetectionRecord | undefined;
  policy: DetectionPolicy;
  /** The newest level accepted as normal for this job (`goldwatch baseline accept`), if any. */
  accepted?: AcceptedLevel | undefined;
}

/** An accuracy incident is open after a run with one of these findings. */
const INCIDENT_DETECTORS = new Set(["drop", "drift"]);
/**
 * Clear runs that close an open incident: the alert lifecycle's default keep_firing_for, so the
 * detectors keep judging against the reference for as long as the alert can still be open.
 */
export const KEEP_INCIDENT_CLEAR_RUNS = 2;

/** A new baseline started (golden set or judge changed): recorded as an annotation, not an alert. */
export interface BaselineChange {
  from: string;
  to: string;
  reason: string;
}

/** What detection found, and the record to store for the next run. */
export interface DetectOutput {
  findings: Finding[];
  record: DetectionRecord;
  baselineChange?: BaselineChange;
}

function describeChange(from: RunPoint | undefined, current: RunPoint): string {
  if (!from) return "new baseline";
  const parts: string[] = [];
  if (from.goldenHash !== current.goldenHash) parts.push(`golden set ${from.goldenHash.slice(0, 12)} → ${current.goldenHash.slice(0, 12)}`);
  if ((from.judgeModel ?? "") !== (current.judgeModel ?? ""))
    parts.push(`judge ${from.judgeModel ?? "none"} → ${current.judgeModel ?? "none"}`);
  return parts.join(", ") || "new baseline";
}

/**
 * Runs every detector over `current`. Always: the fixed floor, agent errors, model change and
 * the run budget. For a completed run with a baseline of at least `minBaselineRuns`: sudden drop,
 * drift (the CUSUM state advances only here), flaky cases, spend, runaway trials and latency.
 * A run that did not complete leaves the CUSUM as it was: a partial run proves nothing.
 */
export function detectRun(input: DetectInput): DetectOutput {
  const { current, history, previous, policy } = input;
  const key = baselineKey(current);
  const priorKey = previous?.baselineKey ?? (history[0] ? baselineKey(history[0]) : undefined);
  const baselineChange: BaselineChange | undefined =
    priorKey !== undefined && priorKey !== key ? { from: priorKey, to: key, reason: describeChange(history[0], current) } : undefined;
  const { accepted } = input;
  // Accepting a level closes the incident that was open and restarts the CUSUM on the new level.
  const carried = previous && previous.baselineKey === key && !(accepted && previous.startedAt <= accepted.at) ? previous : undefined;
  let cusum: CusumState = carried ? { s: carried.cusum, run: carried.cusumRun } : cusumStart();
  const openSince = carried?.incidentSince ?? null;

  const findings: Finding[] = [];
  const add = (f: Finding | undefined) => {
    if (f) findings.push(f);
  };
  // A run stopped for runaway has the right diagnosis already: its trials were cut by their budget,
  // so its "accuracy" says nothing about the answers, and a floor page would lead the message.
  if (current.status !== "runaway") add(thresholdFinding(policy.accuracyBelow, current));
  add(modelChangeFinding(current, history[0]));

  const baseline = selectBaseline(history, { key, size: policy.baselineRuns, guard: policy.baselineGuard, accepted });
  const usable = current.status === "completed" && baseline.runs.length >= policy.minBaselineRuns;
  add(errorsFinding(current, usable ? baseline.runs : null, policy));
  add(runawayFinding(current, usable ? baseline.runs : null, policy));

  let drop: number | null = null;
  let sigma: number | null = null;
  let z: number | null = null;
  let dropP: number | null = null;
  if (usable) {
    const cmp = policy.drift ? compareAccuracy(current, baseline.runs, policy.minEmpiricalRuns) : null;
    if (cmp) {
      ({ drop, sigma, z } = cmp);
      const tests = windowTests(current, baseline.recent, baseline.runs, policy);
      dropP = tests[0]?.p ?? null;
      const n = baseline.runs.length;
      add(
        suddenDropFinding(current, cmp, tests, n, policy) ??
          (openSince ? continuedDropFinding(current, cmp, tests[0], n, openSince, policy) : undefined),
      );
      const step = driftStep(current, cmp, cusum, baseline.runs.length, policy, baseline.segment);
      cusum = step.state;
      add(step.finding);
    }
    if (policy.drift) {
      const window = baseline.segment.slice(0, policy.flakyWindow - 1);
      const flakyBase = baseline.segment.slice(policy.flakyWindow - 1, policy.flakyWindow - 1 + policy.baselineRuns);
      findings.push(...flakyFindings(current, window, flakyBase, policy));
    }
    add(spendFinding(current, baseline.runs, policy));
    add(latencyFinding(current, baseline.runs, policy));
  }

  const fired = findings.some((f) => INCIDENT_DETECTORS.has(f.detector) && !f.caseId);
  const clearRuns = fired ? 0 : (carried?.incidentClearRuns ?? 0) + 1;
  const incidentSince = fired ? (openSince ?? current.startedAt) : openSince && clearRuns < KEEP_INCIDENT_CLEAR_RUNS ? openSince : null;
  const record: DetectionRecord = {
    runId: current.id,
    job: current.job,
    agent: current.agent,
    startedAt: current.startedAt,
    baselineKey: key,
    baselineRuns: usable ? baseline.runs.length : 0,
    drop,
    sigma,
    z,
    dropP,
    // A clear run inside an open incident stays out of baselines too: it may still be low.
    incident: incidentSince !== null,
    incidentSince,
    incidentClearRuns: incidentSince !== null ? clearRuns : 0,
    cusum: cusum.s,
    cusumRun: cusum.run,
    runaway: current.runaway ?? current.budgetExceeded,
    findings: findings.map((f) => (f.caseId ? `${f.detector}:${f.caseId}` : f.detector)),
  };
  return { findings, record, ...(baselineChange ? { baselineChange } : {}) };
}
