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
 * first, the current run not included): `size` runs of the unbroken segment with the current
 * key, behind a guard of up to `guard` of the newest runs. The guard gives a change that many
 * runs to be detected before it starts to become its own yardstick (a rolling window with no
 * guard absorbs a small sustained drop before the CUSUM can add it up); early on, while the
 * segment is short, the window fills first and the guard grows after. A lasting change becomes
 * the new normal after guard + size runs, and the alert resolves then.
 * Which runs are in the baseline depends only on their position, never on their outcome:
 * leaving out runs because they looked low (say, the CUSUM's current excursion) biases the
 * baseline upwards and breeds false alarms (measured at ten times the designed rate).
 */
export function selectBaseline(history: readonly RunPoint[], opts: { key: string; size: number; guard: number }): Baseline {
  const segment: RunPoint[] = [];
  for (const run of history) {
    if (baselineKey(run) !== opts.key) break;
    segment.push(run);
  }
  const skip = Math.max(0, Math.min(opts.guard, segment.length - opts.size));
  return { key: opts.key, runs: segment.slice(skip, skip + opts.size), segment };
}
