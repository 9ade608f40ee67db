import type { Db } from "../store/db.ts";
import { escapeHtml, ms, pct, usd, utcMinute } from "./format.ts";
import { a, href, layout, runPath, runsPath } from "./layout.ts";
import { alertEventsOfRuns, listRuns, type RunAlertEvent, type RunCursor, type RunRow } from "./run-store.ts";

/** A page of runs, newest first, their alert events, and where the next page starts. */
export interface RunsPage {
  runs: RunRow[];
  events: RunAlertEvent[];
  next?: RunCursor;
}

/** The runs cursor as one query value: `epoch-ms~id`. */
export const encodeRunCursor = (c: RunCursor) => `${c.startedAt.getTime()}~${c.id}`;
export function decodeRunCursor(s: string): RunCursor | undefined {
  const m = /^(\d+)~(.+)$/.exec(s);
  return m ? { startedAt: new Date(Number(m[1])), id: m[2]! } : undefined;
}

/** Reads `limit` runs before `before` (one more tells whether there is a next page). */
export async function loadRunsPage(db: Db, q: { job?: string; limit: number; before?: RunCursor }): Promise<RunsPage> {
  const rows = await listRuns(db, { ...q, limit: q.limit + 1 });
  const runs = rows.slice(0, q.limit);
  const last = runs.at(-1);
  const events = await alertEventsOfRuns(
    db,
    q.job,
    runs.map((r) => r.id),
  );
  return { runs, events, ...(rows.length > q.limit && last ? { next: { startedAt: last.startedAt, id: last.id } } : {}) };
}

/** A job's runs as a table: status, accuracy with interval, cost, p95, model, and the alerts each fired or resolved. */
export function renderRunsPage(job: string, page: RunsPage, limit: number): string {
  const byRun = new Map<string, RunAlertEvent[]>();
  for (const e of page.events) byRun.set(e.runId, [...(byRun.get(e.runId) ?? []), e]);
  const rows = page.runs.map((r) => {
    const acc = r.accuracy === null ? "—" : `${pct(r.accuracy)} [${pct(r.ciLow)}, ${pct(r.ciHigh)}]`;
    const alerts = (byRun.get(r.id) ?? [])
      .map((e) =>
        e.event === "firing"
          ? `<span class="bad" title="${escapeHtml(e.summary)}">● fired: ${escapeHtml(e.summary)}</span>`
          : `<span class="ok">✓ resolved: ${escapeHtml(e.summary)}</span>`,
      )
      .join("<br>");
    return `<tr data-run="${escapeHtml(r.id)}"><td>${a(runPath(r.id), utcMinute(r.startedAt))}</td><td class="${r.status === "completed" ? "ok" : "bad"}">${escapeHtml(r.status)}</td><td class="n">${acc}</td><td class="n">${usd(r.costUsd)}</td><td class="n">${ms(r.p95Ms)}</td><td>${escapeHtml(r.agentModel ?? "—")}</td><td>${escapeHtml(r.trigger)}</td><td>${alerts}</td></tr>`;
  });
  const next = page.next ? a(href(runsPath(job), { before: encodeRunCursor(page.next), limit }), "older runs →") : "";
  return layout({
    title: `${job} runs`,
    nav: [a(href("/", { job }), `${job} dashboard`), a(href("/api/runs", { job, limit }), "JSON")],
    body: `<h2>runs of ${escapeHtml(job)}, newest first</h2>
${
  rows.length > 0
    ? `<table class="runs"><tr><th>started</th><th>status</th><th>accuracy [95%]</th><th>cost</th><th>p95</th><th>model</th><th>trigger</th><th>alerts</th></tr>${rows.join("")}</table>`
    : `<p class="muted">no runs${page.next === undefined ? "" : " on this page"}</p>`
}
<p class="pager">${a(runsPath(job), "newest")} ${next}</p>`,
  });
}
