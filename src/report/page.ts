import { createHash } from "node:crypto";
import type { DashboardData, JobPanel } from "./dashboard-data.ts";
import { escapeHtml, ms, pct, usd } from "./format.ts";
import { casePath, runPath, runsPath } from "./layout.ts";
import { lineChart, passRateStrip, rateColor } from "./svg.ts";

/** Ranges offered at the top of the page, in days. */
export const RANGES = [1, 7, 30, 90, 365] as const;
/** Case strips shown per job on the overview; a job's own page shows them all. */
const OVERVIEW_CASES = 8;

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a202c;background:#f7fafc}
header{background:#1a202c;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header a{color:#cbd5e0;margin-right:8px}header a.on{color:#fff;font-weight:600}
main{padding:12px 20px}section.job{background:#fff;border:1px solid #e2e8f0;border-radius:6px;margin:0 0 16px;padding:12px 16px}
section.job h2{font-size:16px;margin:0 0 4px}section.job h2 a{color:inherit;text-decoration:none}
.meta{color:#4a5568;margin:0 0 8px}.alerts{margin:4px 0 8px;padding:0;list-style:none}.alerts li{color:#c53030}
.charts{display:flex;flex-wrap:wrap;gap:8px}.chart .plot{fill:#fff;stroke:#e2e8f0}.chart .grid{stroke:#edf2f7}
.chart .tick{font-size:10px;fill:#718096}.chart .chart-title{font-size:11px;font-weight:600;fill:#2d3748}
.chart .band{fill:#90cdf4;opacity:.45}.chart .whisker{stroke:#2b6cb0;stroke-width:1.5}.chart .line{fill:none;stroke:#2b6cb0;stroke-width:1.5}.chart .dot{fill:#2b6cb0}
.chart .marker{stroke-width:1.5;stroke-dasharray:3 2}
table.cases{border-collapse:collapse;margin-top:8px}table.cases td{padding:1px 6px 1px 0;font-size:12px;white-space:nowrap}
table.cases td.rate{text-align:right;color:#4a5568}.legend{font-size:12px;color:#4a5568}.legend i{display:inline-block;width:10px;height:10px;margin:0 3px 0 8px;vertical-align:middle}
.empty{color:#718096}
.legend i.m-model{background:#7b3fbf}.legend i.m-judge{background:#b36b00}.legend i.m-golden{background:#2b6cb0}
.legend i.m-alert{background:#c53030}.legend i.m-note{background:#2c7a7b}
.legend i.r0{background:${rateColor(0)}}.legend i.r50{background:${rateColor(0.5)}}.legend i.r100{background:${rateColor(1)}}.legend i.rnone{background:${rateColor(null)}}`;

/**
 * The dashboard's Content-Security-Policy: its one stylesheet by hash, nothing else (no scripts,
 * no style attributes, no frames, no forms). The legend uses classes rather than `style=` so
 * that no 'unsafe-inline' is needed.
 */
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

const link = (params: { days: number; job?: string }) => {
  const q = new URLSearchParams({ days: String(params.days) });
  if (params.job) q.set("job", params.job);
  return `/?${q.toString()}`;
};

/** `per run`, or the bucket width: `per 10 min bucket`, `per 3 h bucket`, `per 2 d bucket`. */
export function resolutionLabel(r: JobPanel["resolution"]): string {
  if (r === "run") return "per run";
  const width = r >= 86_400_000 ? `${r / 86_400_000} d` : r >= 3_600_000 ? `${r / 3_600_000} h` : `${r / 60_000} min`;
  return `per ${width} bucket`;
}

/** The job's latest run: its accuracy with interval, linked to its page. */
function latestRun(p: JobPanel): string {
  const l = p.latest;
  if (!l) return "no finished run yet";
  const acc = l.accuracy === null ? "no accuracy" : `${pct(l.accuracy)} [${pct(l.ciLow)}, ${pct(l.ciHigh)}]`;
  const status = l.status === "completed" ? "" : ` (${escapeHtml(l.status)})`;
  return `latest run <a href="${escapeHtml(runPath(l.runId))}">${acc}${status}, ${l.startedAt.toISOString().slice(0, 16)}Z</a>`;
}

/**
 * Where a job's charts start: the range's start, or, drawn per run, just before its first run when
 * that is later (six runs of the last ten minutes on a 1-day view would otherwise be one smudge
 * at the right edge). Pure.
 */
export function chartStart(p: Pick<JobPanel, "resolution" | "series">, from: Date, to: Date): Date {
  const first = p.series[0]?.at;
  if (p.resolution !== "run" || !first || first <= from) return from;
  const pad = Math.max(60_000, (to.getTime() - first.getTime()) * 0.05);
  return new Date(Math.max(from.getTime(), first.getTime() - pad));
}

function jobSection(p: JobPanel, data: DashboardData, days: number, selected: boolean): string {
  const runs = p.series.reduce((s, x) => s + x.runs, 0);
  const chartFrom = chartStart(p, data.from, data.to);
  // Few points: cost and latency get dots too, so each run is seen.
  const few = p.series.length <= 60;
  const accuracy = lineChart({
    title: `accuracy (95% interval), ${resolutionLabel(p.resolution)}`,
    from: chartFrom,
    to: data.to,
    yDomain: [0, 1],
    formatY: (v) => `${Math.round(v * 100)}%`,
    markers: p.markers,
    points: p.series.map((s) => ({
      at: s.at,
      value: s.accuracy,
      low: s.ciLow,
      high: s.ciHigh,
      title: `${s.at.toISOString().slice(0, 16)}Z  accuracy ${pct(s.accuracy)} [${pct(s.ciLow)}, ${pct(s.ciHigh)}]  ${s.runs} run${s.runs === 1 ? "" : "s"}`,
      ...(s.runId ? { href: runPath(s.runId) } : {}),
    })),
  });
  const cost = lineChart({
    title: `cost per case, ${resolutionLabel(p.resolution)}`,
    dots: few,
    from: chartFrom,
    to: data.to,
    formatY: (v) => usd(v),
    markers: p.markers.filter((m) => m.kind !== "alert"),
    points: p.series.map((s) => ({
      at: s.at,
      value: s.costPerCase,
      title: `${s.at.toISOString().slice(0, 16)}Z  ${usd(s.costPerCase)} per case`,
    })),
  });
  const latency = lineChart({
    title: `p95 latency, ${resolutionLabel(p.resolution)}`,
    dots: few,
    from: chartFrom,
    to: data.to,
    formatY: (v) => ms(v),
    markers: p.markers.filter((m) => m.kind !== "alert"),
    points: p.series.map((s) => ({ at: s.at, value: s.p95Ms, title: `${s.at.toISOString().slice(0, 16)}Z  p95 ${ms(s.p95Ms)}` })),
  });
  const shown = selected ? p.cases : p.cases.slice(0, OVERVIEW_CASES);
  const rows = shown.map(
    (c) =>
      `<tr><td><a href="${escapeHtml(casePath(p.job, c.caseId))}">${escapeHtml(c.caseId)}</a></td><td class="rate">${pct(c.overall, 0)}</td><td>${passRateStrip({ caseId: c.caseId, rates: c.rates, days: data.days })}</td></tr>`,
  );
  const more =
    p.cases.length > shown.length
      ? `<p class="legend"><a href="${escapeHtml(link({ days, job: p.job }))}">all ${p.cases.length} cases of ${escapeHtml(p.job)}</a></p>`
      : "";
  const alerts = p.openAlerts.length
    ? `<ul class="alerts">${p.openAlerts.map((a) => `<li>● ${escapeHtml(a.severity)}: ${escapeHtml(a.summary)} (since ${a.since.toISOString().slice(0, 16)}Z)</li>`).join("")}</ul>`
    : "";
  const changes = p.markers.filter((m) => m.kind !== "alert");
  // Cost and latency charts show what can move them: model, judge and golden-set changes, notes.
  const changeList = changes.length
    ? `<p class="legend">changes: ${changes.map((m) => `${m.at.toISOString().slice(0, 16)}Z ${escapeHtml(m.label)}`).join(" · ")}</p>`
    : "";
  return `<section class="job" id="job-${escapeHtml(p.job)}" data-job="${escapeHtml(p.job)}">
<h2><a href="${escapeHtml(link({ days, job: p.job }))}">${escapeHtml(p.job)}</a></h2>
<p class="meta">agent ${escapeHtml(p.agent || "—")} · ${latestRun(p)} · <a href="${escapeHtml(runsPath(p.job))}">${runs} completed run${runs === 1 ? "" : "s"} in range</a></p>
${alerts}<div class="charts">${accuracy}${cost}${latency}</div>${changeList}
<table class="cases" aria-label="pass rate per case and day (worst first)">${rows.join("")}</table>${more}
</section>`;
}

/**
 * The whole dashboard page: server-rendered HTML with inline SVG, readable without JavaScript.
 * `production` is the production-spend section (src/report/production-spend.ts), shown first.
 */
export function renderDashboard(data: DashboardData, view: { days: number; job?: string }, production = ""): string {
  const ranges = RANGES.map(
    (d) =>
      `<a href="${escapeHtml(link({ days: d, ...(view.job ? { job: view.job } : {}) }))}"${d === view.days ? ' class="on"' : ""}>${d}d</a>`,
  ).join("");
  const sections = data.jobs.map((p) => jobSection(p, data, view.days, view.job !== undefined));
  const legend = `<p class="legend">markers: <i class="m-model"></i>agent model <i class="m-judge"></i>judge model <i class="m-golden"></i>golden set <i class="m-alert"></i>alert fired <i class="m-note"></i>note (e.g. new baseline) · cells: pass rate per UTC day <i class="r0"></i>0% <i class="r50"></i>50% <i class="r100"></i>100% <i class="rnone"></i>no runs</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>goldwatch${view.job ? ` — ${escapeHtml(view.job)}` : ""}</title><style>${STYLE}</style></head>
<body><header><h1>goldwatch</h1><nav>${ranges}</nav>${view.job ? `<a href="${escapeHtml(link({ days: view.days }))}">all jobs</a>` : ""}
<span>${data.from.toISOString().slice(0, 10)} … ${data.to.toISOString().slice(0, 16).replace("T", " ")}Z</span></header>
<main>${legend}${production}${sections.length ? sections.join("\n") : `<p class="empty">No completed runs in the last ${view.days} day${view.days === 1 ? "" : "s"}${view.job ? ` for job ${escapeHtml(view.job)}` : ""}.</p>`}</main>
</body></html>`;
}
