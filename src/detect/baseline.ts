import type { RunPoint } from "./types.ts";

/**
 * What makes runs comparable: the golden set's content hash and the judge model. When either
 * changes a new baseline starts (recorded as an annotation, never an alert): a new case list or a
 * new judge moves the numbers without the agent changing.
 */
export function baselineKey(run: Pick<RunPoint, "goldenHash" | "judgeModel">): string {
  return `${run.goldenHash}|${run.judgeModel ?? ""}`;
}

/** The baseline a run is judged against. */
export interface Baseline {
  key: string;
  /** Baseline runs, newest first. */
  runs: RunPoint[];
  /** The whole unbroken history with the current key, newest first (the baseline is its head). */
  segment: RunPoint[];
}

/**
 * Picks the baseline from a job's history (completed runs of the same job and agent, newest
 * first, the current run not included): the newest `size` runs of the unbroken segment with the
 * current key. A rolling window, so a lasting change becomes the new normal after about one
 * window (the alert resolves then) instead of alerting forever. Nothing outcome-dependent
 * decides which runs are in it: leaving out runs because they looked low (say, the CUSUM's
 * current excursion) would bias the baseline upwards and breed the false alarms it meant to avoid
 * (measured: ten times the designed rate in bench/detection.ts).
 */
export function selectBaseline(history: readonly RunPoint[], opts: { key: string; size: number }): Baseline {
  const segment: RunPoint[] = [];
  for (const run of history) {
    if (baselineKey(run) !== opts.key) break;
    segment.push(run);
  }
  return { key: opts.key, runs: segment.slice(0, opts.size), segment };
}
