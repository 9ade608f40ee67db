import { formatLabels } from "./labels.ts";
import type { AlertView, IntervalView, MessageContext, Notification } from "./notification.ts";
import { sparkline } from "./digest.ts";

/** `62.0%` */
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** `62.0% [55.1–69.3]` */
export const withInterval = (i: IntervalView) => `${pct(i.estimate)} [${(i.low * 100).toFixed(1)}–${(i.high * 100).toFixed(1)}]`;

/** Dollars with enough digits to see per-trial costs. */
export const usd = (x: number) => (x >= 1 ? `$${x.toFixed(2)}` : `$${x.toPrecision(2)}`);

/** `3h 12m`, `45m`, `20s` */
export function span(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return `${Math.max(0, Math.round(ms / 1000))}s`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? ` ${m % 60}m` : ""}`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const TITLE = { firing: "FIRING", update: "FIRING", reminder: "STILL FIRING", resolved: "RESOLVED" } as const;

/** The icon of one alert in a list. */
export const alertIcon = (a: AlertView) => (a.state === "resolved" ? "✅" : a.severity === "critical" ? "🔴" : "🟠");

const CHANGE_NOTE = { new: " (new)", resolved: " (resolved)", reminder: "", none: "" } as const;

/** One alert as a line: what broke, for which case. */
export function alertLine(a: AlertView, note = true): string {
  const where = a.labels.case !== undefined ? ` case ${a.labels.case}` : "";
  return `${alertIcon(a)} ${a.labels.detector}${where}: ${a.summary}${note ? CHANGE_NOTE[a.change] : ""}`;
}

/** The first line: what happened to which job, and the worst thing that broke. */
export function headline(n: Notification): string {
  const firing = n.alerts.filter((a) => a.state === "firing");
  const lead = n.kind === "resolved" ? n.alerts[0] : (firing.find((a) => a.change === "new") ?? firing[0] ?? n.alerts[0]);
  const more = n.kind === "resolved" ? n.alerts.length - 1 : firing.length - 1;
  const icon = n.kind === "resolved" ? "✅" : firing.some((a) => a.severity === "critical") ? "🔴" : "🟠";
  const what = lead ? `${lead.labels.detector}${lead.labels.case !== undefined ? ` (case ${lead.labels.case})` : ""}: ${lead.summary}` : "";
  return `${icon} ${TITLE[n.kind]} ${n.job} (${n.agent})${what ? ` — ${what}` : ""}${more > 0 ? ` (+${more} more)` : ""}`;
}

/** The evidence lines that explain the numbers: accuracy, recent runs, cases, cost, a query. */
export function contextLines(c: MessageContext): string[] {
  const lines: string[] = [];
  if (c.accuracy) {
    const base = c.baseline
      ? ` vs baseline ${withInterval(c.baseline)} over ${c.baseline.runs} run${c.baseline.runs === 1 ? "" : "s"}`
      : " (no baseline yet)";
    lines.push(`accuracy now ${withInterval(c.accuracy)}${base}`);
  }
  const scored = c.recent.filter((v) => v !== null) as number[];
  if (c.recent.length > 1 && scored.length > 0) {
    lines.push(
      `recent runs ${sparkline(c.recent)} ${pct(scored[0]!)} → ${pct(scored[scored.length - 1]!)} (${c.recent.length} runs, oldest first)`,
    );
  }
  if (c.failingCases.length > 0) {
    const cs = c.failingCases.map(
      (f) =>
        `${f.id} ${f.passes}/${f.scored}${f.errors > 0 ? ` (${f.errors} errors)` : ""}${f.baselineRate !== null ? `, baseline ${pct(f.baselineRate)}` : ""}`,
    );
    lines.push(`failing cases: ${cs.join("; ")}`);
  }
  if (c.cost) {
    const run = `cost per trial ${usd(c.cost.nowPerTrial)}${c.cost.baselinePerTrial !== null ? ` vs baseline ${usd(c.cost.baselinePerTrial)}` : ""}`;
    const t = c.cost.top;
    const top = t
      ? `; top change: case ${t.caseId} ${usd(t.baselineUsd)} → ${usd(t.nowUsd)} per trial${t.baselineUsd > 0 ? ` (×${(t.nowUsd / t.baselineUsd).toFixed(2)})` : ""}`
      : "";
    lines.push(run + top);
  }
  lines.push(`dig in: ${c.sql}`);
  if (c.dashboardUrl) lines.push(`dashboard: ${c.dashboardUrl}`);
  return lines;
}

/** How long the group's alerts have been firing when the message was queued (`4h`), if known. */
export function firingSince(n: Notification): string | null {
  const since = n.alerts
    .map((a) => a.firedAt)
    .filter((x): x is string => x !== null)
    .sort()[0];
  return since ? span(Date.parse(n.at) - Date.parse(since)) : null;
}

/** The whole message as plain text: Slack's fallback, the console line, the webhook's `text`. */
export function plainText(n: Notification): string {
  const lines = [headline(n)];
  const since = firingSince(n);
  if (n.kind === "reminder" && since) lines.push(`firing for ${since}`);
  for (const a of n.alerts) lines.push(`${alertLine(a)}  [${formatLabels(a.labels)}]`);
  if (n.context) lines.push(...contextLines(n.context));
  return lines.join("\n");
}
