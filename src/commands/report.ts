import { systemClock, type Clock } from "../clock.ts";
import { parseDuration } from "../config/duration.ts";
import { daysCovering, utcDay, type DriftWindows } from "../report/drift.ts";
import { driftReport } from "../report/store.ts";
import { formatDriftReport } from "../report/format-report.ts";
import { formatSpendReport, spendReport } from "../report/production-spend.ts";
import { roundForDisplay } from "../round.ts";
import type { Db } from "../store/db.ts";
import { openStore } from "../store/open.ts";
import type { Command } from "./types.ts";

/** What `report` needs besides its options. */
export interface ReportDeps {
  db: Db;
  clock: Clock;
  out: (text: string) => void;
  err: (text: string) => void;
  /** ANSI colour (stdout is a TTY and NO_COLOR is unset). */
  color: boolean;
}

export interface ReportOptions {
  job?: string;
  /** e.g. "7d": the current window, in whole UTC days (today included). */
  since: string;
  /** The baseline window before it; the same length as `since` when absent. */
  baseline?: string;
  json: boolean;
  /** Jobs in the config, to warn about a misspelt --job. */
  knownJobs?: readonly string[];
}

function windowDays(option: string, value: string, err: (t: string) => void): number | undefined {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    err(`goldwatch report: --${option} "${value}" is not a duration; expected e.g. 1d, 7d or 36h (rounded up to whole days)\n`);
    return undefined;
  }
  return daysCovering(ms);
}

/** Prints `drift_report_for` as a table or JSON. Exit code 0, or 2 for bad options (an unknown --job included). */
export async function report(deps: ReportDeps, opts: ReportOptions): Promise<number> {
  const currentDays = windowDays("since", opts.since, deps.err);
  const baselineDays = currentDays === undefined ? undefined : windowDays("baseline", opts.baseline ?? opts.since, deps.err);
  if (currentDays === undefined || baselineDays === undefined) return 2;
  const windows: DriftWindows = { reportDay: utcDay(deps.clock.now()), currentDays, baselineDays };
  const rows = await driftReport(deps.db, windows, opts.job === undefined ? {} : { job: opts.job });
  // A job the config does not know and that has no runs is a typo, not an empty report. (A job
  // removed from the config still has its history reported.)
  if (opts.job !== undefined && opts.knownJobs && !opts.knownJobs.includes(opts.job) && rows.length === 0) {
    deps.err(
      `goldwatch report: --job "${opts.job}": no such job in the config and no runs of it in these windows (jobs: ${opts.knownJobs.join(", ") || "none"})\n`,
    );
    return 2;
  }
  // Production spend over the same windows (one --job: its agent's only).
  const currentFrom = new Date(Date.parse(`${windows.reportDay}T00:00:00Z`) - (currentDays - 1) * 86_400_000);
  const baselineFrom = new Date(currentFrom.getTime() - baselineDays * 86_400_000);
  const spend = (await spendReport(deps.db, { baselineFrom, currentFrom, to: deps.clock.now() })).filter(
    (s) => opts.job === undefined || rows.some((r) => r.agent === s.agent),
  );
  if (opts.json) deps.out(`${JSON.stringify(roundForDisplay({ windows, jobs: rows, productionSpend: spend }), null, 2)}\n`);
  else deps.out(`${formatDriftReport(rows, windows, { color: deps.color })}\n${formatSpendReport(spend)}`);
  return 0;
}

export const reportCommand: Command = {
  summary: "drift of every job: this week against last (--job j, --since 7d, --baseline 7d)",
  options: {
    job: { type: "string" },
    since: { type: "string", default: "7d" },
    baseline: { type: "string" },
  },
  async run({ loaded, options, json }) {
    const database = await openStore(loaded);
    try {
      const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
      return await report(
        { db: database.db, clock: systemClock, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), color },
        {
          since: String(options.since ?? "7d"),
          json,
          knownJobs: Object.keys(loaded.config.jobs),
          ...(typeof options.job === "string" ? { job: options.job } : {}),
          ...(typeof options.baseline === "string" ? { baseline: options.baseline } : {}),
        },
      );
    } finally {
      await database.close();
    }
  },
};
