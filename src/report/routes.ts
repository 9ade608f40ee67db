import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../clock.ts";
import type { Db } from "../store/db.ts";
import { loadDashboard } from "./dashboard-data.ts";
import { PAGE_CSP, renderDashboard } from "./page.ts";
import { loadSpendSeries, productionSpendSection, spendChartRange } from "./production-spend.ts";
import { loadShadowPoints, shadowSection } from "./shadow-chart.ts";
import { spendJob } from "../detect/production-spend.ts";

/** What the dashboard needs: the database and the time (an App fits). */
export interface DashboardDeps {
  database: { db: Db };
  clock: Clock;
}

/** Default and largest range of the page, in days. */
export const DEFAULT_DAYS = 7;
const MAX_DAYS = 366;

/** The dashboard's link for one job, for Slack alerts: `dashboardLink("https://gw.internal", "support")`. */
export function dashboardLink(publicUrl: string, job: string, days = DEFAULT_DAYS): string {
  const url = new URL("/", publicUrl);
  url.searchParams.set("days", String(days));
  url.searchParams.set("job", job);
  return url.toString();
}

/** Parses `?days=&job=`; a message naming the parameter when it is wrong. */
export function parseDashboardQuery(search: URLSearchParams): { days: number; job?: string } | { error: string } {
  const rawDays = search.get("days");
  const days = rawDays === null || rawDays === "" ? DEFAULT_DAYS : Number(rawDays);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    return { error: `days must be a whole number of days from 1 to ${MAX_DAYS}, got ${JSON.stringify(rawDays)}` };
  }
  const job = search.get("job");
  return job ? { days, job } : { days };
}

/** Renders the dashboard page for one request (node:http). */
export async function serveDashboard(deps: DashboardDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const query = parseDashboardQuery(new URL(req.url ?? "/", "http://localhost").searchParams);
  if ("error" in query) {
    res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end(`${query.error}\n`);
    return;
  }
  const now = deps.clock.now();
  const spendRange = spendChartRange(now, query.days);
  const from = new Date(now.getTime() - query.days * 86_400_000);
  const [data, spend, shadow] = await Promise.all([
    loadDashboard(deps.database.db, { now, ...query }),
    loadSpendSeries(deps.database.db, spendRange),
    // Shadow jobs' win rates belong on the overview; one job's page is that job's.
    query.job === undefined ? loadShadowPoints(deps.database.db, from) : Promise.resolve([]),
  ]);
  // One job's page shows its agent's production spend only (a production-spend alert links to
  // its `production:<agent>` job).
  const agents = new Set(data.jobs.map((j) => j.agent));
  const shown = query.job === undefined ? spend : spend.filter((s) => agents.has(s.agent) || query.job === spendJob(s.agent));
  res
    .writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "content-security-policy": PAGE_CSP })
    .end(renderDashboard(data, query, productionSpendSection(shown, spendRange) + shadowSection(shadow, { from, to: now })));
}

/** The dashboard's routes, merged into the service's route table. */
export function dashboardRoutes(deps: DashboardDeps): Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> {
  return { "GET /": (req, res) => serveDashboard(deps, req, res) };
}
