import { wilson } from "../stats/intervals.ts";
import type { Db } from "../store/db.ts";
import { escapeHtml, pct, utcMinute } from "./format.ts";
import { a, href, layout, runPath, runsPath } from "./layout.ts";
import { caseFailures, caseHistory, type CaseFailure, type CaseRun } from "./run-store.ts";
import { lineChart } from "./svg.ts";
import { caseInput, trialArticle, type CaseText } from "./trial-html.ts";

/** The case page's reach: its newest runs charted, and the newest failing trials among them. */
export const CASE_PAGE = { runs: 200, failures: 10, failingRuns: 20 } as const;

/** A run of the case with its pass rate and Wilson interval. */
export interface CasePoint extends CaseRun {
  rate: number | null;
  low: number | null;
  high: number | null;
}

/** A run in which a scored trial of the case failed (an agent error alone is not a wrong answer). */
export const caseFailed = (r: CaseRun) => r.passes < r.scored;

/**
 * When the case started failing: the first run of the current streak of runs in which it failed,
 * counted back from the newest run. `sinceAtLeast` when the streak reaches the oldest run read
 * (it may have begun earlier); null when the newest run passed. Pure.
 */
export function failingStreak(
  runs: readonly CaseRun[],
): { first: CaseRun; runs: number; sinceAtLeast: boolean; lastPassing: CaseRun | null } | null {
  let i = runs.length - 1;
  while (i >= 0 && caseFailed(runs[i]!)) i--;
  const streak = runs.length - 1 - i;
  if (streak === 0) return null;
  return { first: runs[i + 1]!, runs: streak, sinceAtLeast: i < 0, lastPassing: i >= 0 ? runs[i]! : null };
}

export interface CasePageData {
  job: string;
  caseId: string;
  /** Oldest first. */
  points: CasePoint[];
  failures: CaseFailure[];
}

/** Reads a case's newest runs (from the runs' case_stats) and its newest failing trials. */
export async function loadCasePage(db: Db, job: string, caseId: string): Promise<CasePageData> {
  const history = await caseHistory(db, { job, caseId, limit: CASE_PAGE.runs });
  const points = history.map((r) => {
    const w = r.scored > 0 ? wilson(r.passes, r.scored) : null;
    return { ...r, rate: w?.estimate ?? null, low: w?.low ?? null, high: w?.high ?? null };
  });
  const failingRuns = history.filter((r) => r.passes < r.scored + r.errors).slice(-CASE_PAGE.failingRuns);
  const failures = await caseFailures(db, { caseId, runs: failingRuns, limit: CASE_PAGE.failures });
  return { job, caseId, points, failures };
}

/** The case page: pass rate per run with Wilson intervals, when it started failing, its newest failing outputs. */
export function renderCasePage(d: CasePageData, inputs: (goldenHash: string) => CaseText | null | undefined): string {
  const { points } = d;
  const streak = failingStreak(points);
  let since: string;
  if (points.length === 0) since = `<p class="muted">no completed run of ${escapeHtml(d.job)} has this case</p>`;
  else if (!streak) {
    const lastFail = [...points].reverse().find(caseFailed);
    since = `<p class="ok">passing in the newest run (${a(runPath(points.at(-1)!.runId), utcMinute(points.at(-1)!.startedAt))}).${
      lastFail
        ? ` Last failed in ${a(runPath(lastFail.runId), utcMinute(lastFail.startedAt))}.`
        : ` No failure in the ${points.length} runs shown.`
    }</p>`;
  } else {
    since = `<p class="bad">failing since ${streak.sinceAtLeast ? "at least " : ""}${a(runPath(streak.first.runId), utcMinute(streak.first.startedAt))}: ${streak.runs} run${streak.runs === 1 ? "" : "s"} in a row with a failed trial${
      streak.lastPassing ? `; last run without one: ${a(runPath(streak.lastPassing.runId), utcMinute(streak.lastPassing.startedAt))}` : ""
    }.</p><p class="muted">"Failing since" is the first run of the current streak of runs in which a scored trial of this case failed (not a changepoint estimate).</p>`;
  }
  const from = points[0]?.startedAt ?? new Date(0);
  const to = points.at(-1)?.startedAt ?? new Date(1);
  // A single run still gets a visible span around it.
  const pad = Math.max(60_000, (to.getTime() - from.getTime()) * 0.02);
  const chart =
    points.length > 0
      ? lineChart({
          title: `pass rate per run (95% Wilson interval), newest ${points.length} runs`,
          from: new Date(from.getTime() - pad),
          to: new Date(to.getTime() + pad),
          yDomain: [0, 1],
          formatY: (v) => `${Math.round(v * 100)}%`,
          width: 760,
          height: 200,
          points: points.map((p) => ({
            at: p.startedAt,
            value: p.rate,
            low: p.low,
            high: p.high,
            title: `${utcMinute(p.startedAt)}  ${p.passes}/${p.scored} passed${p.errors ? `, ${p.errors} errors` : ""}  ${pct(p.rate)} [${pct(p.low)}, ${pct(p.high)}]`,
            href: runPath(p.runId),
          })),
        })
      : "";
  const failures = d.failures.length
    ? d.failures.map((t) => trialArticle(t, { runLink: a(runPath(t.runId), "run") })).join("\n")
    : `<p class="muted">no failing trial in the runs shown</p>`;
  return layout({
    title: `${d.caseId} · ${d.job}`,
    nav: [a(href("/", { job: d.job }), `${d.job} dashboard`), a(runsPath(d.job), "runs")],
    body: `<h2>case ${escapeHtml(d.caseId)} of ${escapeHtml(d.job)}</h2>${since}
<div class="charts">${chart}</div>
${points.length > 0 ? caseInput(inputs(points.at(-1)!.goldenHash)) : ""}
<h2>newest failing trials</h2><p class="muted">Up to ${CASE_PAGE.failures}, from the newest ${CASE_PAGE.failingRuns} runs in which the case did not pass.</p>
${failures}`,
  });
}
