import { formatLabels } from "../alerts/labels.ts";
import type { AlertView, CostChange, FailingCase, IntervalView, MessageContext, Notification } from "../alerts/notification.ts";
import { costMoved, sparkline, stillFailing } from "../alerts/digest.ts";

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

/** The first line: what happened to which job, and the worst thing that broke (or, resolved, how it recovered). */
export function headline(n: Notification): string {
  const firing = n.alerts.filter((a) => a.state === "firing");
  const lead = n.kind === "resolved" ? n.alerts[0] : (firing.find((a) => a.change === "new") ?? firing[0] ?? n.alerts[0]);
  const more = n.kind === "resolved" ? n.alerts.length - 1 : firing.length - 1;
  const icon = n.kind === "resolved" ? "✅" : firing.some((a) => a.severity === "critical") ? "🔴" : "🟠";
  const where = lead?.labels.case !== undefined ? ` (case ${lead.labels.case})` : "";
  let what = lead ? `${lead.labels.detector}${where}: ${lead.summary}` : "";
  if (n.kind === "resolved") {
    // The finding's summary describes the breakage; a resolve says how it recovered instead.
    const r = recovery(n);
    what = r ? recoveryText(r) : lead ? `${lead.labels.detector}${where} cleared (was: ${lead.summary})` : "";
  }
  return `${icon} ${TITLE[n.kind]} ${n.job} (${n.agent})${what ? ` — ${what}` : ""}${more > 0 ? ` (+${more} more)` : ""}`;
}

/** How an accuracy incident ended: the resolving run's accuracy against the reference, and the worst it got. */
export interface Recovery {
  now: number;
  /** The reference baseline the drop and drift detectors measured against (the baseline before the incident). */
  reference: number | null;
  /** The threshold detector's floor, when that is all there is to compare with. */
  floor: number | null;
  /** The lowest accuracy of the incident's runs (and of the findings' evidence). */
  lowPoint: number | null;
}

const num = (x: unknown): number | null => (typeof x === "number" && Number.isFinite(x) ? x : null);

/**
 * The recovery a resolve message shows, from the findings' evidence (`accuracyBaseline`,
 * `accuracyNow` of drop and drift, `accuracy` and `floor` of threshold) and the resolving run's
 * accuracy; the low point also scans the recent runs since the incident began (the earliest
 * `incidentSince` or alert start). Null when the incident was not about accuracy or the run has no score.
 */
export function recovery(n: Notification): Recovery | null {
  const c = n.context;
  const now = c?.accuracy?.estimate;
  if (!c || now === undefined) return null;
  const ev = n.alerts.map((a) => a.evidence);
  const references = ev.map((e) => num(e.accuracyBaseline)).filter((x): x is number => x !== null);
  const floors = ev.map((e) => num(e.floor)).filter((x): x is number => x !== null);
  if (references.length === 0 && floors.length === 0) return null;
  const lows = ev.flatMap((e) => [num(e.accuracyNow), num(e.windowAccuracy), num(e.accuracy)]).filter((x): x is number => x !== null);
  const starts = [...n.alerts.map((a) => a.startsAt), ...ev.map((e) => (typeof e.incidentSince === "string" ? e.incidentSince : ""))]
    .filter((x) => x !== "")
    .sort();
  if (c.recentAt && c.recentAt.length === c.recent.length && starts[0]) {
    // The run whose finding opened the incident finished at or just before the alert started.
    const start = Date.parse(starts[0]);
    let first = -1;
    c.recentAt.forEach((at, i) => {
      if (Date.parse(at) <= start) first = i;
    });
    for (const v of c.recent.slice(Math.max(0, first))) if (v !== null) lows.push(v);
  }
  return {
    now,
    reference: references.length > 0 ? Math.max(...references) : null,
    floor: floors.length > 0 ? Math.max(...floors) : null,
    lowPoint: lows.length > 0 ? Math.min(...lows) : null,
  };
}

/** `accuracy back to 91.2% (reference 92.0%, low point 78.5%)` */
export function recoveryText(r: Recovery): string {
  const against = r.reference !== null ? `reference ${pct(r.reference)}` : `floor ${pct(r.floor!)}`;
  const low = r.lowPoint !== null && r.lowPoint < r.now ? `, low point ${pct(r.lowPoint)}` : "";
  return `accuracy back to ${pct(r.now)} (${against}${low})`;
}

/** The cases a message lists: this run's failing cases, or, when resolving, only those still failing (stillFailing). */
export function listedCases(n: Notification): FailingCase[] {
  const cases = n.context?.failingCases ?? [];
  return n.kind === "resolved" ? cases.filter(stillFailing) : cases;
}

/** The case whose cost moved most, as a phrase, or null when the change is nothing to see (×1.00). */
export function costChangeText(t: CostChange | null): string | null {
  if (!t || !costMoved(t)) return null;
  return `case ${t.caseId} ${usd(t.baselineUsd)} → ${usd(t.nowUsd)} per trial${t.baselineUsd > 0 ? ` (×${(t.nowUsd / t.baselineUsd).toFixed(2)})` : ""}`;
}

/** The evidence lines that explain the numbers: accuracy (or, resolving, the recovery), recent runs, cases, cost, a query. */
export function contextLines(c: MessageContext, n?: Notification): string[] {
  const lines: string[] = [];
  const r = n?.kind === "resolved" ? recovery(n) : null;
  if (r) {
    lines.push(`resolved: ${recoveryText(r)}`);
  } else if (c.accuracy) {
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
  const cases = n ? listedCases(n) : c.failingCases;
  if (cases.length > 0) {
    const cs = cases.map(
      (f) =>
        `${f.id} ${f.passes}/${f.scored}${f.errors > 0 ? ` (${f.errors} errors)` : ""}${f.baselineRate !== null ? `, baseline ${pct(f.baselineRate)}` : ""}`,
    );
    lines.push(`${n?.kind === "resolved" ? "still failing" : "failing cases"}: ${cs.join("; ")}`);
  }
  if (c.cost) {
    const run = `cost per trial ${usd(c.cost.nowPerTrial)}${c.cost.baselinePerTrial !== null ? ` vs baseline ${usd(c.cost.baselinePerTrial)}` : ""}`;
    const top = costChangeText(c.cost.top);
    lines.push(run + (top ? `; top change: ${top}` : ""));
  }
  // The run page first: it shows the failing outputs the query would.
  if (c.runUrl) lines.push(`run: ${c.runUrl}`);
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
  if (n.context) lines.push(...contextLines(n.context, n));
  return lines.join("\n");
}
