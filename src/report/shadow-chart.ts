// The shadow jobs' win rate over time with its interval: one chart per job, as an HTML section
// the dashboard page can include (shadowSection) and as a page of its own (GET /shadow).
import type { IncomingMessage, ServerResponse } from "node:http";
import { and, eq, gte } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import type { Db } from "../store/db.ts";
import { shadowRuns } from "../store/tables/shadow.ts";
import { escapeHtml, pct } from "./format.ts";
import { lineChart, type ChartPoint } from "./svg.ts";

/** One completed shadow run as the chart reads it. */
export interface ShadowPoint {
  job: string;
  candidate: string;
  startedAt: Date;
  winRate: number | null;
  winLow: number | null;
  winHigh: number | null;
  decision: string | null;
}

/** A job's runs as chart points: the win rate with its 95% band, the decision in the tooltip. Pure. */
export function shadowChartPoints(runs: readonly ShadowPoint[]): ChartPoint[] {
  return runs.map((r) => ({
    at: r.startedAt,
    value: r.winRate,
    low: r.winLow,
    high: r.winHigh,
    title: `${r.startedAt.toISOString().slice(0, 16).replace("T", " ")}Z ${r.candidate}: win rate ${pct(r.winRate)} [${pct(r.winLow)}, ${pct(r.winHigh)}], ${r.decision ?? "no decision"}`,
  }));
}

/** Completed shadow runs since `from`, oldest first. */
export async function loadShadowPoints(db: Db, from: Date): Promise<ShadowPoint[]> {
  const rows = await db
    .select({
      job: shadowRuns.job,
      candidate: shadowRuns.candidate,
      startedAt: shadowRuns.startedAt,
      winRate: shadowRuns.winRate,
      winLow: shadowRuns.winLow,
      winHigh: shadowRuns.winHigh,
      decision: shadowRuns.decision,
    })
    .from(shadowRuns)
    .where(and(eq(shadowRuns.status, "completed"), gte(shadowRuns.startedAt, from)))
    .orderBy(shadowRuns.startedAt);
  return rows;
}

/** One chart per shadow job (win rate, 0–100%, with its interval band); empty when there are none. Pure. */
export function shadowSection(points: readonly ShadowPoint[], range: { from: Date; to: Date }): string {
  const byJob = new Map<string, ShadowPoint[]>();
  for (const p of points) byJob.set(p.job, [...(byJob.get(p.job) ?? []), p]);
  if (byJob.size === 0) return "";
  const charts = [...byJob].map(([job, runs]) => {
    const last = runs.at(-1)!;
    return `<figure><figcaption>${escapeHtml(job)}: last ${escapeHtml(last.decision ?? "no decision")}, win rate ${pct(last.winRate)}</figcaption>${lineChart(
      {
        title: `shadow ${job}: candidate win rate (ties ½) with its 95% interval`,
        from: range.from,
        to: range.to,
        points: shadowChartPoints(runs),
        yDomain: [0, 1],
        formatY: (v) => pct(v, 0),
      },
    )}</figure>`;
  });
  return `<section><h2>Shadow evaluation</h2>${charts.join("")}</section>`;
}

/** `GET /shadow?days=7`: the shadow charts as a page of their own. */
export function shadowRoutes(deps: { database: { db: Db }; clock: Clock }) {
  return {
    "GET /shadow": async (req: IncomingMessage, res: ServerResponse) => {
      const raw = new URL(req.url ?? "/", "http://localhost").searchParams.get("days");
      const days = raw === null || raw === "" ? 7 : Number(raw);
      if (!Number.isInteger(days) || days < 1 || days > 366) {
        res
          .writeHead(400, { "content-type": "text/plain; charset=utf-8" })
          .end(`days must be a whole number of days from 1 to 366, got ${JSON.stringify(raw)}\n`);
        return;
      }
      const to = deps.clock.now();
      const from = new Date(to.getTime() - days * 86_400_000);
      const body =
        shadowSection(await loadShadowPoints(deps.database.db, from), { from, to }) || "<p>No completed shadow runs in this range.</p>";
      res
        .writeHead(200, { "content-type": "text/html; charset=utf-8" })
        .end(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>goldwatch shadow</title></head><body>${body}</body></html>`,
        );
    },
  };
}
