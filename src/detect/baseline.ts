import type { AcceptedLevel, RunPoint } from "./types.ts";

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
  /** The runs of the segment newer than the baseline (the guard), newest first. */
  recent: RunPoint[];
}

/** Whether an accepted level covers `run`: it started within the accepted incident. */
const accepts = (level: AcceptedLevel | undefined, run: RunPoint) =>
  level !== undefined && run.startedAt >= level.from && run.startedAt <= level.at;

/**
 * Picks the baseline from a job's history (completed runs of the same job and agent, newest
 * first, the current run not included): `size` runs of the unbroken segment with the current
 * key, behind a guard of up to `guard` of the newest runs. The guard gives a change that many
 * runs to be detected before it starts to become its own yardstick (a rolling window with no
 * guard absorbs a small sustained drop before the CUSUM can add it up); early on, while the
 * segment is short, the window fills first and the guard grows after.
 * An open incident's runs never enter a baseline (DESIGN: a lasting drop stays firing until it
 * recovers or someone accepts the new level), so an alert cannot resolve by the baseline
 * absorbing the drop. That is the only exclusion, and it depends on a decision made before these
 * runs were the yardstick, not on how low they look today: leaving out runs because they looked
 * low biases the baseline upwards and breeds false alarms (measured at ten times the designed
 * rate). Accepting a level (`accepted`) ends the segment where that incident began, and its runs
 * become the baseline of the new level.
 */
export function selectBaseline(
  history: readonly RunPoint[],
  opts: { key: string; size: number; guard: number; accepted?: AcceptedLevel | undefined },
): Baseline {
  const segment: RunPoint[] = [];
  for (const run of history) {
    if (baselineKey(run) !== opts.key) break;
    if (opts.accepted && run.startedAt < opts.accepted.from) break;
    segment.push(run);
  }
  const eligible = segment.filter((r) => !r.incident || accepts(opts.accepted, r));
  const skip = Math.max(0, Math.min(opts.guard, eligible.length - opts.size));
  const runs = eligible.slice(skip, skip + opts.size);
  const first = runs[0] ? segment.indexOf(runs[0]) : segment.length;
  return { key: opts.key, runs, segment, recent: segment.slice(0, first) };
}

/**
 * The history the detectors keep (newest first): the newest `need.recent` runs, and older runs
 * outside incidents while fewer than `need.clear` of those are kept. The service's query
 * (loadHistory) selects the same runs; the simulation bench trims with this.
 */
export function trimHistory(history: readonly RunPoint[], need: { recent: number; clear: number }): RunPoint[] {
  const out: RunPoint[] = [];
  let clear = 0;
  for (const run of history) {
    if (out.length < need.recent || (!run.incident && clear < need.clear)) {
      out.push(run);
      if (!run.incident) clear++;
    }
  }
  return out;
}
