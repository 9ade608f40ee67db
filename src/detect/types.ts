// The detectors' view of runs and what they report. Detectors are pure functions of these
// values; src/detect/history.ts turns database rows into them.

/** Something a detector found about a run, with the evidence for it. */
export interface Finding {
  detector: string;
  job: string;
  agent: string;
  severity: "warning" | "critical";
  summary: string;
  evidence: Record<string, unknown>;
  /** Set for per-case findings. */
  caseId?: string;
}

/** One case's counts in one run (the `case_stats` of a run row). */
export interface CaseStat {
  id: string;
  /** Trials that count towards accuracy (pass, fail, budget_exceeded). */
  scored: number;
  passes: number;
  trials: number;
  errors: number;
  budgetExceeded: number;
}

/** A run as the detectors see it: its aggregates, never its trials. */
export interface RunPoint {
  id: string;
  job: string;
  agent: string;
  status: string;
  startedAt: Date;
  goldenHash: string;
  judgeModel: string | null;
  cases: CaseStat[];
  trials: number;
  scored: number;
  errored: number;
  budgetExceeded: number;
  /** Trials that hit their budget or looped (same tool call repeated); undefined when not recorded, then budgetExceeded stands in. */
  runaway?: number;
  /** The runaway trials by why: bound (`tokens`, `usd`, `steps`, `ttl`) or `loop`; undefined when not recorded. */
  runawayBy?: Record<string, number>;
  costUsd: number;
  p95Ms: number | null;
  accuracy: { estimate: number; low: number; high: number } | null;
  model: string | null;
  fingerprint: string | null;
  /** The run belonged to an open accuracy incident (its detection record says so): kept out of baselines. */
  incident?: boolean;
}

/** A level accepted as the new normal (`goldwatch baseline accept`): the incident that began at `from`, accepted at `at`. */
export interface AcceptedLevel {
  from: Date;
  at: Date;
}

/** A run's detection record: the statistics computed for it and the drift state after it. */
export interface DetectionRecord {
  runId: string;
  job: string;
  agent: string;
  startedAt: Date;
  /** The baseline this run was judged against (golden-set hash and judge model). */
  baselineKey: string;
  /** Runs in the baseline window (0 while there is none yet). */
  baselineRuns: number;
  /** Mean per-case change in pass rate against the baseline (negative: worse). */
  drop: number | null;
  /** The in-control standard deviation `drop` was standardised by. */
  sigma: number | null;
  /** drop / sigma. */
  z: number | null;
  /** The sudden-drop test's p-value for this run alone (null without a baseline). */
  dropP: number | null;
  /** This run belongs to an open accuracy incident (kept out of baselines). */
  incident: boolean;
  /** When the incident open after this run began (its first run's start), null when none is open. */
  incidentSince: Date | null;
  /** Clear runs in a row while the incident is open (it closes after KEEP_INCIDENT_CLEAR_RUNS). */
  incidentClearRuns: number;
  /** Lower CUSUM statistic S_t after this run (σ units), and for how many runs it has been > 0. */
  cusum: number;
  cusumRun: number;
  /** Trials that hit their budget or looped. */
  runaway: number;
  /** Detectors that reported a finding on this run. */
  findings: string[];
}
