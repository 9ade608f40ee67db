import { createHash } from "node:crypto";
import type { ServerResponse } from "node:http";
import { escapeHtml } from "./format.ts";

/** The stylesheet of the run, case and runs-list pages (no inline styles: the CSP allows this sheet by hash only). */
const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a202c;background:#f7fafc}
header{background:#1a202c;color:#fff;padding:10px 20px;display:flex;gap:18px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header a{color:#cbd5e0}
main{padding:12px 20px;max-width:1200px}h2{font-size:16px;margin:18px 0 6px}h3{font-size:14px;margin:10px 0 4px}
table{border-collapse:collapse;background:#fff}td,th{border:1px solid #e2e8f0;padding:3px 8px;text-align:left;vertical-align:top;font-size:13px}
th{background:#edf2f7;font-weight:600}table.runs td{white-space:nowrap}table.runs td:last-child{white-space:normal}td.n{text-align:right;font-variant-numeric:tabular-nums}
.kv th{width:160px}.bad{color:#c53030;font-weight:600}.ok{color:#276749}.warn{color:#b7791f}.muted{color:#718096}
article.trial{background:#fff;border:1px solid #e2e8f0;border-left:4px solid #c53030;border-radius:4px;margin:0 0 12px;padding:8px 12px}
article.trial.error{border-left-color:#b7791f}
pre{white-space:pre-wrap;word-break:break-word;background:#f7fafc;border:1px solid #e2e8f0;padding:6px 8px;margin:4px 0;font-size:12px;max-width:100%}
details>summary{cursor:pointer;color:#2b6cb0}ol.steps{margin:4px 0;padding-left:22px}
.pager{margin:10px 0}.pager a{margin-right:12px}
.chart .plot{fill:#fff;stroke:#e2e8f0}.chart .grid{stroke:#edf2f7}.chart .tick{font-size:10px;fill:#718096}
.chart .chart-title{font-size:11px;font-weight:600;fill:#2d3748}.chart .band{fill:#90cdf4;opacity:.45}
.chart .whisker{stroke:#2b6cb0;stroke-width:1.5}.chart .line{fill:none;stroke:#2b6cb0;stroke-width:1.5}.chart .dot{fill:#2b6cb0}
.chart .marker{stroke-width:1.5;stroke-dasharray:3 2}`;

/** The pages' Content-Security-Policy: their one stylesheet by hash, nothing else (no script, no forms, no frames). */
export const DETAIL_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/** `/path?k=v`, skipping unset values; the result is for an href (escape it when writing HTML). */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** `<a href="…">text</a>`, both escaped. */
export const a = (url: string, text: string) => `<a href="${escapeHtml(url)}">${escapeHtml(text)}</a>`;

/** Path of a job's runs list, a run page, a case page (each segment URL-encoded). */
export const runsPath = (job: string) => `/jobs/${encodeURIComponent(job)}/runs`;
export const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;
export const casePath = (job: string, caseId: string) => `/jobs/${encodeURIComponent(job)}/cases/${encodeURIComponent(caseId)}`;

/** A whole page: the header's links (already HTML), the title, the body (already HTML). */
export function layout(o: { title: string; nav: string[]; body: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(o.title)} — goldwatch</title><style>${STYLE}</style></head>
<body><header><h1>goldwatch</h1>${o.nav.join(" ")}</header>
<main>${o.body}</main>
</body></html>`;
}

/** Sends a page with its CSP, uncached (it shows live data). */
export function sendPage(res: ServerResponse, status: number, html: string): void {
  res
    .writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": DETAIL_CSP })
    .end(html);
}

/** How much of a long text is shown before "show all": enough to read an answer, not a wall. */
export const PREVIEW_CHARS = 600;

/**
 * A text in a <pre>, escaped; past PREVIEW_CHARS the preview is shown and the whole text sits in
 * a <details> the reader opens (no JavaScript).
 */
export function longText(text: string, label = "text"): string {
  if (text.length <= PREVIEW_CHARS) return `<pre>${escapeHtml(text)}</pre>`;
  return `<pre>${escapeHtml(text.slice(0, PREVIEW_CHARS))}…</pre><details><summary>show the full ${escapeHtml(label)} (${text.length.toLocaleString("en-US")} characters)</summary><pre>${escapeHtml(text)}</pre></details>`;
}
