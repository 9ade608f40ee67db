// Production spend (spend_minutes, from OTLP spans) in the dashboard and `goldwatch report`: each
// agent's hourly spend beside its replay accuracy, and its spend this window against the last.
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../store/db.ts";
import { escapeHtml, ratioChange, usd } from "./format.ts";
import { lineChart } from "./svg.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The dashboard's production-spend charts cover at most this many days, per hour. */
export const SPEND_CHART_DAYS = 7;

type Numeric = number | string;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

/** One agent's production spend in one hour. */
export interface SpendHour {
  at: Date;
  costUsd: number;
  calls: number;
  tokens: number;
  unpricedCalls: number;
}

/** One agent's hourly production spend over a range. */
export interface AgentSpendSeries {
  agent: string;
  hours: SpendHour[];
  costUsd: number;
  calls: number;
  unpricedCalls: number;
}

/** Every agent's (or the named agents') production spend per hour from `from` until `to`, hours aligned on `from`. */
export async function loadSpendSeries(db: Db, range: { from: Date; to: Date; agents?: readonly string[] }): Promise<AgentSpendSeries[]> {
  const agents = range.agents;
  if (agents && agents.length === 0) return [];
  const filter = agents
    ? sql`and agent in (${sql.join(
        agents.map((a) => sql`${a}`),
        sql`, `,
      )})`
    : sql``;
  const rows = await queryRows<{ agent: string; at: Numeric; cost_usd: Numeric; calls: Numeric; tokens: Numeric; unpriced_calls: Numeric }>(
    db,
    sql`select agent, (extract(epoch from date_bin(interval '1 hour', minute, ${ts(range.from)})) * 1000)::float8 as at,
          sum(cost_usd) as cost_usd, sum(calls) as calls, sum(input_tokens + output_tokens) as tokens, sum(unpriced_calls) as unpriced_calls
        from spend_minutes
        where minute >= ${ts(range.from)} and minute < ${ts(range.to)} ${filter}
        group by 1, 2 order by agent collate "C", 2`,
  );
  const out = new Map<string, AgentSpendSeries>();
  for (const r of rows) {
    let s = out.get(r.agent);
    if (!s) out.set(r.agent, (s = { agent: r.agent, hours: [], costUsd: 0, calls: 0, unpricedCalls: 0 }));
    const h = {
      at: new Date(Number(r.at)),
      costUsd: Number(r.cost_usd),
      calls: Number(r.calls),
      tokens: Number(r.tokens),
      unpricedCalls: Number(r.unpriced_calls),
    };
    s.hours.push(h);
    s.costUsd += h.costUsd;
    s.calls += h.calls;
    s.unpricedCalls += h.unpricedCalls;
  }
  return [...out.values()];
}

/**
 * The hours of a range with the agent's spend, zero where it spent nothing (an idle hour is a
 * point at $0, not a gap). Pure.
 */
export function fillHours(s: AgentSpendSeries, from: Date, to: Date): SpendHour[] {
  const byAt = new Map(s.hours.map((h) => [h.at.getTime(), h]));
  const out: SpendHour[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += HOUR_MS)
    out.push(byAt.get(t) ?? { at: new Date(t), costUsd: 0, calls: 0, tokens: 0, unpricedCalls: 0 });
  return out;
}

/** The dashboard's range for production spend: the page's last `days`, at most SPEND_CHART_DAYS, ending now. */
export function spendChartRange(now: Date, days: number): { from: Date; to: Date } {
  const firstDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (Math.min(days, SPEND_CHART_DAYS) - 1) * DAY_MS;
  return { from: new Date(firstDay), to: now };
}

/** The dashboard section: one hourly USD chart per agent (and calls, when some were unpriced). Empty without spend. */
export function productionSpendSection(series: readonly AgentSpendSeries[], range: { from: Date; to: Date }): string {
  if (series.length === 0) return "";
  const days = Math.round((range.to.getTime() - range.from.getTime()) / DAY_MS) || 1;
  const charts = series.map((s) => {
    const hours = fillHours(s, range.from, range.to);
    const cost = lineChart({
      title: `${s.agent}: USD per hour`,
      dots: false,
      from: range.from,
      to: range.to,
      formatY: (v) => `$${v >= 10 ? v.toFixed(0) : v.toFixed(2)}`,
      points: hours.map((h) => ({
        at: h.at,
        value: h.costUsd,
        title: `${h.at.toISOString().slice(0, 13)}Z ${usd(h.costUsd)}, ${h.calls} calls`,
      })),
    });
    const calls =
      s.unpricedCalls > 0
        ? lineChart({
            title: `${s.agent}: calls per hour (${s.unpricedCalls} unpriced)`,
            dots: false,
            from: range.from,
            to: range.to,
            formatY: (v) => v.toFixed(0),
            points: hours.map((h) => ({ at: h.at, value: h.calls, title: `${h.at.toISOString().slice(0, 13)}Z ${h.calls} calls` })),
          })
        : "";
    return cost + calls;
  });
  const totals = series.map((s) => `${escapeHtml(s.agent)} ${usd(s.costUsd)} (${s.calls} calls)`).join(" · ");
  return `<section class="job" id="production-spend">
<h2>production spend</h2>
<p class="meta">from OTLP spans, per hour, last ${days} day${days === 1 ? "" : "s"}: ${totals}</p>
<div class="charts">${charts.join("")}</div>
</section>`;
}

/** One agent's production spend in the report's current window against its baseline window. */
export interface SpendReportRow {
  agent: string;
  costUsd: number;
  calls: number;
  tokens: number;
  unpricedCalls: number;
  baselineUsd: number;
  /** costUsd / baselineUsd (per day, so windows of different lengths compare); null without baseline spend. */
  ratio: number | null;
}

/** Spend per agent in [currentFrom, to) and in [baselineFrom, currentFrom), per day of each window. */
export async function spendReport(db: Db, w: { baselineFrom: Date; currentFrom: Date; to: Date }): Promise<SpendReportRow[]> {
  const rows = await queryRows<{
    agent: string;
    usd: Numeric | null;
    calls: Numeric | null;
    tokens: Numeric | null;
    unpriced: Numeric | null;
    base: Numeric | null;
  }>(
    db,
    sql`select agent,
          sum(cost_usd) filter (where minute >= ${ts(w.currentFrom)}) as usd,
          sum(calls) filter (where minute >= ${ts(w.currentFrom)}) as calls,
          sum(input_tokens + output_tokens) filter (where minute >= ${ts(w.currentFrom)}) as tokens,
          sum(unpriced_calls) filter (where minute >= ${ts(w.currentFrom)}) as unpriced,
          sum(cost_usd) filter (where minute < ${ts(w.currentFrom)}) as base
        from spend_minutes where minute >= ${ts(w.baselineFrom)} and minute < ${ts(w.to)}
        group by agent order by agent collate "C"`,
  );
  const perDay = (ms: number) => Math.max(1, ms / DAY_MS);
  const currentDays = perDay(w.to.getTime() - w.currentFrom.getTime());
  const baselineDays = perDay(w.currentFrom.getTime() - w.baselineFrom.getTime());
  return rows.map((r) => {
    const costUsd = Number(r.usd ?? 0);
    const baselineUsd = Number(r.base ?? 0);
    return {
      agent: r.agent,
      costUsd,
      calls: Number(r.calls ?? 0),
      tokens: Number(r.tokens ?? 0),
      unpricedCalls: Number(r.unpriced ?? 0),
      baselineUsd,
      ratio: baselineUsd > 0 ? costUsd / currentDays / (baselineUsd / baselineDays) : null,
    };
  });
}

/** The report's production-spend lines (empty without spend). Pure. */
export function formatSpendReport(rows: readonly SpendReportRow[]): string {
  if (rows.length === 0) return "";
  const width = Math.max(5, ...rows.map((r) => r.agent.length));
  const lines = rows.map((r) => {
    const unpriced = r.unpricedCalls > 0 ? `  ${r.unpricedCalls} unpriced calls (tokens only)` : "";
    return `  ${r.agent.padEnd(width)}  ${usd(r.costUsd).padStart(12)}  ${String(r.calls).padStart(9)} calls  ${String(r.tokens).padStart(12)} tokens  per day ${ratioChange(r.ratio)} vs baseline${unpriced}`;
  });
  return `\nproduction spend (OTLP spans):\n${lines.join("\n")}\n`;
}
