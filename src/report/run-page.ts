import { wilson } from "../stats/intervals.ts";
import type { Db } from "../store/db.ts";
import { escapeHtml, ms, pct, usd, utcMinute } from "./format.ts";
import { a, casePath, href, layout, runPath, runsPath } from "./layout.ts";
import {
  loadFailingTrials,
  loadRun,
  loadTrialPage,
  runCases,
  type CaseCount,
  type RunRow,
  type TrialCursor,
  type TrialView,
} from "./run-store.ts";
import { caseInput, trialArticle, type CaseText } from "./trial-html.ts";

/**
 * How much of a large run the page shows at once: the failing trials of the worst cases, a few
 * each; one case's page lists all its failing trials, a page at a time. (A run of 500 cases × 20
 * repeats stays a page a browser opens at once.)
 */
export const RUN_PAGE = { cases: 20, perCase: 3, casePage: 50 } as const;

/** A case of a run with its pass rate and Wilson interval, as the run page lists it. */
export interface RankedCase extends CaseCount {
  rate: number | null;
  low: number | null;
  high: number | null;
}

/** Worst first: lowest pass rate, then a case with nothing scored (only errors), then most errors, then id. Pure. */
export function rankCases(cases: readonly CaseCount[]): RankedCase[] {
  const ranked = cases.map((c) => {
    const w = c.scored > 0 ? wilson(c.passes, c.scored) : null;
    return { ...c, rate: w ? w.estimate : null, low: w ? w.low : null, high: w ? w.high : null };
  });
  return ranked.sort((x, y) => (x.rate ?? -1) - (y.rate ?? -1) || y.errors - x.errors || x.id.localeCompare(y.id));
}

/** A case failed in this run when a trial did not pass. */
const failed = (c: CaseCount) => c.passes < c.trials;

/** What the run page shows: the run, its cases worst first and the failing trials it lists. */
export interface RunPageData {
  run: RunRow;
  cases: RankedCase[];
  trials: TrialView[];
  /** One case's view: all its failing trials, a page at a time; `next` continues after the last. */
  caseView?: { caseId: string; next?: TrialCursor };
}

/** Reads a run's page: undefined when there is no such run. */
export async function loadRunPage(
  db: Db,
  id: string,
  view: { caseId?: string; after?: TrialCursor } = {},
): Promise<RunPageData | undefined> {
  const run = await loadRun(db, id);
  if (!run) return undefined;
  const cases = rankCases(await runCases(db, run));
  if (view.caseId !== undefined) {
    const page = await loadTrialPage(db, run, {
      limit: RUN_PAGE.casePage + 1,
      failingOnly: true,
      caseId: view.caseId,
      ...(view.after ? { after: view.after } : {}),
    });
    const trials = page.slice(0, RUN_PAGE.casePage);
    const last = trials.at(-1);
    const next =
      page.length > RUN_PAGE.casePage && last ? { caseId: last.caseId, repeat: last.repeat, startedAt: last.startedAt } : undefined;
    return { run, cases, trials, caseView: { caseId: view.caseId, ...(next ? { next } : {}) } };
  }
  const shown = cases.filter(failed).slice(0, RUN_PAGE.cases);
  const trials = await loadFailingTrials(
    db,
    run,
    shown.map((c) => c.id),
    RUN_PAGE.perCase,
  );
  return { run, cases, trials };
}

/** The trial cursor as one query value: `case~repeat~epoch-ms` (case ids have no "~"). */
export const encodeTrialCursor = (c: TrialCursor) => `${c.caseId}~${c.repeat}~${c.startedAt.getTime()}`;
export function decodeTrialCursor(s: string): TrialCursor | undefined {
  const m = /^(.+)~(\d+)~(\d+)$/.exec(s);
  return m ? { caseId: m[1]!, repeat: Number(m[2]), startedAt: new Date(Number(m[3])) } : undefined;
}

function summaryTable(run: RunRow): string {
  const acc =
    run.accuracy === null
      ? "—"
      : `${pct(run.accuracy)} [${pct(run.ciLow)}, ${pct(run.ciHigh)}] <span class="muted">95% interval, ${escapeHtml(run.ciMethod ?? "")}</span>`;
  const pooled = run.pooledLow !== null ? `[${pct(run.pooledLow)}, ${pct(run.pooledHigh)}]` : "—";
  const duration = run.finishedAt ? `${((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)} s` : "still running";
  const rows: [string, string][] = [
    ["job", a(runsPath(run.job), run.job)],
    [
      "status",
      `<span class="${run.status === "completed" ? "ok" : "bad"}">${escapeHtml(run.status)}</span>${run.error ? ` — ${escapeHtml(run.error)}` : ""}`,
    ],
    ["accuracy", acc],
    ["pooled (Wilson)", `${pooled} <span class="muted">${run.passed}/${run.scored} scored trials passed</span>`],
    ["cases × repeats", `${run.cases} × ${run.repeats} = ${run.trials} trials`],
    ["not scored", `${run.errored} agent errors · ${run.judgeErrors} judge errors · ${run.budgetExceeded} over budget`],
    ["latency", `p50 ${ms(run.p50Ms)} · p95 ${ms(run.p95Ms)}`],
    ["tokens", `${run.inputTokens.toLocaleString("en-US")} in / ${run.outputTokens.toLocaleString("en-US")} out`],
    ["cost", `${usd(run.costUsd)} agent · ${usd(run.judgeCostUsd)} judge`],
    ["agent", `${escapeHtml(run.agent)} · model ${escapeHtml(run.agentModel ?? "—")}`],
    ["judge model", escapeHtml(run.judgeModel ?? "—")],
    ["golden set", `${escapeHtml(run.goldenName)} <span class="muted">${escapeHtml(run.goldenHash.slice(0, 12))}</span>`],
    ["when", `${utcMinute(run.startedAt)} · ${duration} · ${escapeHtml(run.trigger)}`],
  ];
  return `<table class="kv summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join("")}</table>`;
}

function casesTable(d: RunPageData): string {
  const { run } = d;
  const rows = d.cases.map((c) => {
    const interval = c.rate === null ? "—" : `${pct(c.rate)} [${pct(c.low)}, ${pct(c.high)}]`;
    const failing = c.trials - c.passes;
    const trials = failing > 0 ? a(href(runPath(run.id), { case: c.id }), `${failing} not passed`) : "";
    return `<tr${failed(c) ? ' class="failing"' : ""}><td>${a(casePath(run.job, c.id), c.id)}</td><td class="n">${c.passes}/${c.scored}</td><td class="n">${interval}</td><td class="n">${c.errors}</td><td>${trials}</td></tr>`;
  });
  return `<table class="cases"><tr><th>case</th><th>passed</th><th>pass rate [95% Wilson]</th><th>errors</th><th>trials</th></tr>${rows.join("")}</table>`;
}

/** The run page: summary with its interval, cases worst first, then the failing trials in full. */
export function renderRunPage(d: RunPageData, inputs: (caseId: string) => CaseText | null | undefined): string {
  const { run } = d;
  const failingCases = d.cases.filter(failed);
  let trialsHtml: string;
  if (d.caseView) {
    const { caseId, next } = d.caseView;
    const more = next
      ? `<p class="pager">${a(href(runPath(run.id), { case: caseId, after: encodeTrialCursor(next) }), "next failing trials →")}</p>`
      : "";
    trialsHtml = `<h2>trials of ${escapeHtml(caseId)} that did not pass</h2>
<p class="muted">${RUN_PAGE.casePage} per page. ${a(runPath(run.id), "back to the whole run")}</p>
${caseInput(inputs(caseId))}
${d.trials.length > 0 ? d.trials.map((t) => trialArticle(t)).join("\n") : `<p class="muted">none</p>`}${more}`;
  } else {
    const listed = failingCases.slice(0, RUN_PAGE.cases);
    const note =
      failingCases.length === 0
        ? `<p class="ok">every trial passed</p>`
        : `<p class="muted">The ${listed.length === failingCases.length ? "" : `${listed.length} worst of ${failingCases.length} `}failing cases, up to ${RUN_PAGE.perCase} trials each; a case's "not passed" link lists all of them.</p>`;
    const sections = listed.map((c) => {
      const mine = d.trials.filter((t) => t.caseId === c.id);
      const failing = c.trials - c.passes;
      const all =
        failing > mine.length
          ? `<p>${a(href(runPath(run.id), { case: c.id }), `all ${failing} trials of ${c.id} that did not pass`)}</p>`
          : "";
      return `<section class="case" id="case-${escapeHtml(c.id)}"><h2>${escapeHtml(c.id)}: ${c.passes}/${c.scored} passed</h2>${caseInput(inputs(c.id))}
${mine.map((t) => trialArticle(t)).join("\n")}${all}</section>`;
    });
    trialsHtml = `<h2>failing trials</h2>${note}${sections.join("\n")}`;
  }
  return layout({
    title: `run ${run.id}`,
    nav: [
      a(href("/", { job: run.job }), `${run.job} dashboard`),
      a(runsPath(run.job), "runs"),
      a(`/api/runs/${encodeURIComponent(run.id)}`, "JSON"),
    ],
    body: `<h2>run ${escapeHtml(run.id)}</h2>${summaryTable(run)}
<h2>cases, worst first</h2>${casesTable(d)}
${trialsHtml}`,
  });
}
