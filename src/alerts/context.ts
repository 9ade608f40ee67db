import { and, desc, eq, isNull, ne, sql } from "drizzle-orm";
import type { RunSummary } from "../engine/summary.ts";
import { accuracyInterval } from "../stats/intervals.ts";
import { roundForDisplay } from "../round.ts";
import { queryRows, type Db } from "../store/db.ts";
import { runs } from "../store/schema.ts";
import { detectionRuns } from "../store/tables/detection.ts";
import { combineCases, failingCases, topCostChange, type CaseStat } from "./digest.ts";
import type { MessageContext } from "./notification.ts";

/** Runs shown in the sparkline; and the most used as the baseline. */
const RECENT_RUNS = 24;
const BASELINE_RUNS = 20;

// Numbers go out at six significant digits (roundForDisplay): the payload is read by people and
// webhooks, not by statistics (no 0.9250000000000002).
const r6 = roundForDisplay<number>;

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The dashboard page of a job, when the service's public URL is configured. */
export function dashboardUrl(base: string | undefined, job: string): string | null {
  if (!base) return null;
  return `${base.replace(/\/+$/, "")}/?job=${encodeURIComponent(job)}`;
}

/** The page of one run (`/runs/:id`), when the service's public URL is configured. */
export function runUrl(base: string | undefined, runId: string): string | null {
  if (!base) return null;
  return `${base.replace(/\/+$/, "")}/runs/${encodeURIComponent(runId)}`;
}

/** The page of one case of a job (`/jobs/:job/cases/:case`), when the service's public URL is configured. */
export function caseUrl(base: string | undefined, job: string, caseId: string): string | undefined {
  if (!base) return undefined;
  return `${base.replace(/\/+$/, "")}/jobs/${encodeURIComponent(job)}/cases/${encodeURIComponent(caseId)}`;
}

/**
 * What a message says beyond the findings: accuracy now vs the baseline (the job's previous
 * completed runs on the same golden set and judge model) with intervals, recent runs as a sparkline, the failing
 * cases, the case whose cost moved most, and a query to dig in. Reads the runs table (and trials
 * for per-case cost); bounded to a few dozen rows.
 */
export async function buildContext(db: Db, summary: RunSummary, publicUrl?: string): Promise<MessageContext> {
  const recentRows = await db
    .select({
      id: runs.id,
      status: runs.status,
      accuracy: runs.accuracy,
      judgeModel: runs.judgeModel,
      caseStats: runs.caseStats,
      costUsd: runs.costUsd,
      trials: runs.trials,
      finishedAt: runs.finishedAt,
    })
    .from(runs)
    // Gate runs replay a candidate, not the production agent: they are no part of its history.
    .where(and(eq(runs.job, summary.job), ne(runs.status, "running"), ne(runs.trigger, "gate")))
    .orderBy(desc(runs.startedAt))
    .limit(RECENT_RUNS + 1);
  const judgeModel = recentRows.find((r) => r.id === summary.runId)?.judgeModel ?? null;
  const recent = recentRows
    .filter((r) => r.id !== summary.runId)
    .slice(0, RECENT_RUNS - 1)
    .reverse();
  // Comparable runs only, as the detectors' baseline: same golden set and judge model, and never
  // an open incident's runs (a long drop must not become the "baseline" it is compared with).
  const baselineRows = await db
    .select({ id: runs.id, caseStats: runs.caseStats, costUsd: runs.costUsd, trials: runs.trials })
    .from(runs)
    .leftJoin(detectionRuns, eq(detectionRuns.runId, runs.id))
    .where(
      and(
        eq(runs.job, summary.job),
        eq(runs.status, "completed"),
        ne(runs.trigger, "gate"),
        ne(runs.id, summary.runId),
        eq(runs.goldenHash, summary.goldenHash),
        judgeModel === null ? isNull(runs.judgeModel) : eq(runs.judgeModel, judgeModel),
        sql`coalesce(${detectionRuns.incident}, false) = false`,
      ),
    )
    .orderBy(desc(runs.startedAt))
    .limit(BASELINE_RUNS);
  const baselineRuns = baselineRows.reverse();
  const baseCases = combineCases(baselineRuns.map((r) => (Array.isArray(r.caseStats) ? (r.caseStats as CaseStat[]) : [])));
  const baseAcc =
    baseCases.size > 0 ? accuracyInterval([...baseCases.values()].map((c) => ({ passes: c.passes, trials: c.scored }))) : null;

  const baseTrials = baselineRuns.reduce((s, r) => s + r.trials, 0);
  const baseCost = baselineRuns.reduce((s, r) => s + r.costUsd, 0);
  let top = null;
  if (baselineRuns.length > 0 && summary.trials > 0) {
    const ids = [summary.runId, ...baselineRuns.map((r) => r.id)];
    const perCase = await queryRows<{ is_now: boolean; case_id: string; usd: number | string }>(
      db,
      sql`select run_id = ${summary.runId} as is_now, case_id, avg(cost_usd)::float8 as usd
          from trials where run_id in (${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )}) and status <> 'error'
          group by 1, 2`,
    );
    const now = new Map<string, number>();
    const base = new Map<string, number>();
    for (const r of perCase) (r.is_now ? now : base).set(r.case_id, Number(r.usd));
    top = topCostChange(now, base);
  }
  const acc = summary.accuracy;
  return {
    runId: summary.runId,
    accuracy: acc ? { estimate: r6(acc.estimate), low: r6(acc.low), high: r6(acc.high) } : null,
    baseline:
      baseAcc && Number.isFinite(baseAcc.estimate)
        ? { estimate: r6(baseAcc.estimate), low: r6(baseAcc.low), high: r6(baseAcc.high), runs: baselineRuns.length }
        : null,
    recent: [...recent.map((r) => (r.accuracy === null ? null : r6(r.accuracy))), acc ? r6(acc.estimate) : null],
    recentAt: [...recent.map((r) => (r.finishedAt ?? new Date(0)).toISOString()), summary.finishedAt],
    failingCases: failingCases(summary.perCase, baseCases).map((f) => {
      const url = caseUrl(publicUrl, summary.job, f.id);
      return { ...f, baselineRate: f.baselineRate === null ? null : r6(f.baselineRate), ...(url ? { url } : {}) };
    }),
    cost:
      summary.trials > 0
        ? {
            nowPerTrial: r6(summary.costUsd / summary.trials),
            baselinePerTrial: baseTrials > 0 ? r6(baseCost / baseTrials) : null,
            top: top && { ...top, nowUsd: r6(top.nowUsd), baselineUsd: r6(top.baselineUsd) },
          }
        : null,
    sql: `select case_id, status, error_kind, left(output, 120) as output from trials where run_id = ${sqlString(summary.runId)} and not passed order by case_id;`,
    dashboardUrl: dashboardUrl(publicUrl, summary.job),
    runUrl: runUrl(publicUrl, summary.runId),
  };
}
