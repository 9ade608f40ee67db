import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { bucketChanges, bucketFor, loadDashboard, type DashboardData } from "../../src/report/dashboard-data.ts";
import { chartStart, renderDashboard } from "../../src/report/page.ts";
import { dashboardLink, dashboardRoutes, parseDashboardQuery } from "../../src/report/routes.ts";
import { lineChart } from "../../src/report/svg.ts";
import type { Database } from "../../src/store/db.ts";
import { startHttpServer, type HttpServer } from "../../src/server/http.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { ALERT_FIRED_AT, DASH_NOW, MODEL_SWITCH_AT, NOTE_AT, seedDashboard } from "./dashboard-seed.ts";

describe("dashboard pieces (pure)", () => {
  it("finds changes between buckets from their min and max", () => {
    const b = (h: number, lo: string | null, hi = lo) => ({ at: new Date(h * 3_600_000), lo, hi });
    expect(bucketChanges([b(0, "a"), b(1, "a"), b(2, null), b(3, "b"), b(4, "a", "b"), b(5, "a")])).toEqual([
      { at: new Date(3 * 3_600_000), before: "a", after: "b" },
      { at: new Date(4 * 3_600_000), before: "b", after: "a" },
    ]);
  });

  it("picks the finest bucket that keeps a chart to 240 points: the bucket follows the range", () => {
    expect(bucketFor(24 * 3_600_000)).toBe(10 * 60_000);
    expect(bucketFor(7 * 86_400_000)).toBe(3_600_000);
    expect(bucketFor(30 * 86_400_000)).toBe(3 * 3_600_000);
    expect(bucketFor(366 * 86_400_000)).toBe(2 * 86_400_000);
    expect(bucketFor(60_000)).toBe(60_000);
  });

  it("draws a lone point as a dot with a whisker for its interval, even on a chart without dots", () => {
    const at = (h: number) => new Date(Date.UTC(2025, 0, 1, h));
    const svg = lineChart({
      title: "one run",
      from: at(0),
      to: at(4),
      yDomain: [0, 1],
      formatY: String,
      dots: false,
      points: [{ at: at(2), value: 0.5, low: 0.3, high: 0.7, title: "run", href: "/runs/r<1>" }],
    });
    expect(svg.match(/<circle/g)).toHaveLength(1);
    expect(svg.match(/class="whisker"/g)).toHaveLength(1);
    expect(svg).not.toContain("<polygon");
    expect(svg).toContain('<a href="/runs/r&lt;1&gt;">');
  });

  it("draws the interval band, breaks the line at gaps and escapes tooltips", () => {
    const at = (h: number) => new Date(Date.UTC(2025, 0, 1, h));
    const svg = lineChart({
      title: "a <b>",
      from: at(0),
      to: at(4),
      yDomain: [0, 1],
      formatY: String,
      points: [
        { at: at(0), value: 0.5, low: 0.4, high: 0.6, title: "x<y" },
        { at: at(1), value: 0.6, low: 0.5, high: 0.7, title: "p" },
        { at: at(2), value: null, title: "gap" },
        { at: at(3), value: 0.7, low: 0.6, high: 0.8, title: "p" },
        { at: at(4), value: 0.8, low: 0.7, high: 0.9, title: "p" },
      ],
    });
    expect(svg).toContain('data-points="4"');
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<polygon/g)).toHaveLength(2);
    expect(svg).toContain("x&lt;y");
    expect(svg).toContain('aria-label="a &lt;b&gt;"');
  });

  it("starts a per-run chart just before its first run, and a bucketed one at the range's start", () => {
    const from = new Date("2025-03-14T00:00:00Z");
    const to = new Date("2025-03-14T12:00:00Z");
    const series = [{ at: new Date("2025-03-14T11:50:00Z"), runs: 1, accuracy: 1, ciLow: 1, ciHigh: 1, costPerCase: 0, p95Ms: 1 }];
    expect(chartStart({ resolution: "run", series }, from, to)).toEqual(new Date("2025-03-14T11:49:00Z"));
    expect(chartStart({ resolution: 300_000, series }, from, to)).toEqual(from);
    expect(chartStart({ resolution: "run", series: [] }, from, to)).toEqual(from);
    const early = [{ ...series[0]!, at: new Date("2025-03-14T00:10:00Z") }];
    expect(chartStart({ resolution: "run", series: early }, from, to)).toEqual(from);
  });

  it("parses the query and names what is wrong", () => {
    expect(parseDashboardQuery(new URLSearchParams(""))).toEqual({ days: 7 });
    expect(parseDashboardQuery(new URLSearchParams("days=30&job=support"))).toEqual({ days: 30, job: "support" });
    expect(parseDashboardQuery(new URLSearchParams("days=0"))).toEqual({
      error: 'days must be a whole number of days from 1 to 366, got "0"',
    });
    expect(dashboardLink("https://gw.example.com/", "support bot")).toBe("https://gw.example.com/?days=7&job=support+bot");
  });
});

describe("a per-minute job on the 1-day view", () => {
  it("is bucketed finer than an hour, and 'latest' is the latest run, not a bucket's mean", async () => {
    await using database = await testDatabase();
    const now = new Date("2025-03-14T12:00:00Z");
    // 600 runs a minute apart up to 11:59 at 80%, and the latest at 42.5%.
    await database.db.execute(sql`
      insert into runs (id, job, agent, trigger, golden_name, golden_hash, status, replica, started_at, heartbeat_at,
        cases, repeats, accuracy, ci_low, ci_high, cost_usd, p95_ms)
      select 'm-' || i, 'minutely', 'a', 'schedule', 'g', 'h', 'completed', 'test', t, t, 4, 10,
        case when i = 1 then 0.425 else 0.8 end, 0.3, 0.9, 0.01, 900
      from (select i, ${now.toISOString()}::timestamptz - make_interval(mins => i) as t from generate_series(1, 600) i) x`);
    const d = await loadDashboard(database.db, { now, days: 1, job: "minutely" });
    const p = d.jobs[0]!;
    // The day so far is 12 hours: 5-minute buckets (the finest that keeps 240 points or fewer).
    expect(p.resolution).toBe(5 * 60_000);
    expect(p.series).toHaveLength(120);
    expect(p.series.at(-1)!.accuracy).toBeGreaterThan(0.7);
    expect(p.latest).toMatchObject({ runId: "m-1", accuracy: 0.425 });
    const html = renderDashboard(d, { days: 1, job: "minutely" });
    expect(html).toContain("per 5 min bucket");
    expect(html).toContain(">42.5% [30.0%, 90.0%], 2025-03-14T11:59Z</a>");
  });
});

describe("dashboard data and page", () => {
  let database: Database;
  let counts: Record<string, number>;
  let data: DashboardData;
  beforeAll(async () => {
    database = await testDatabase();
    counts = await seedDashboard(database.db);
    data = await loadDashboard(database.db, { now: DASH_NOW, days: 7 });
  });
  afterAll(() => database?.close());

  it("has a panel per job, alerting jobs first, with a point per stored run", () => {
    expect(data.jobs.map((j) => j.job)).toEqual(["support", "billing"]);
    const support = data.jobs[0]!;
    expect(support.series).toHaveLength(counts.support!);
    expect(support.series.reduce((s, p) => s + p.runs, 0)).toBe(counts.support);
    const last = support.series.at(-1)!;
    expect(last.accuracy).toBeCloseTo(13 / 20, 10);
    expect(last.costPerCase).toBeCloseTo(0.02, 10);
    expect(last.p95Ms).toBe(2400);
    expect(support.openAlerts.map((a) => a.summary)).toEqual(["support <accuracy> dropped"]);
  });

  it("marks the model change, the annotation and the alert", () => {
    const markers = data.jobs[0]!.markers.map((m) => [m.kind, m.at.toISOString(), m.label]);
    expect(markers).toEqual([
      ["agent_model", MODEL_SWITCH_AT.toISOString(), "agent model model-a → model-b"],
      ["annotation", NOTE_AT.toISOString(), "baseline: new baseline after the model change"],
      ["alert", ALERT_FIRED_AT.toISOString(), "alert: support <accuracy> dropped"],
    ]);
    expect(data.jobs[1]!.markers).toEqual([]);
  });

  it("has a pass-rate strip per case and day, worst case first", () => {
    const support = data.jobs[0]!;
    expect(support.cases.map((c) => c.caseId)).toEqual(["c1", "c2", "c0", "c3"]);
    const c1 = support.cases[0]!;
    // Days 03-08 … 03-14: nothing before 03-11; on 03-12 one run at 5/5, then three at 1/5.
    expect(c1.rates.slice(0, 3)).toEqual([null, null, null]);
    expect(c1.rates[3]).toBe(1);
    expect(c1.rates[4]).toBeCloseTo(8 / 20, 10);
  });

  it("renders every job, its charts, markers and strips, escaping what users wrote", () => {
    const html = renderDashboard(data, { days: 7 });
    expect(html.match(/<section class="job"/g)).toHaveLength(2);
    expect(html).toContain('id="job-support"');
    expect(html.match(/data-points="12"/g)).toHaveLength(6);
    expect(html).toContain("marker-agent_model");
    expect(html).toContain("marker-alert");
    expect(html).toContain("support &lt;accuracy&gt; dropped");
    expect(html).not.toContain("support <accuracy>");
    expect(html).not.toContain("<script");
    expect(html.match(/class="strip"/g)).toHaveLength(4 + 2);
  });

  it("says the latest run's accuracy and links it, every run's point, the runs list and each case", () => {
    const support = data.jobs[0]!;
    expect(support.resolution).toBe("run");
    expect(support.latest?.accuracy).toBeCloseTo(13 / 20, 10);
    const all = renderDashboard(data, { days: 7 });
    const html = all.slice(all.indexOf('id="job-support"'), all.indexOf('id="job-billing"'));
    expect(html).toContain(`latest run <a href="/runs/${encodeURIComponent(support.latest!.runId)}">65.0% [`);
    expect(html).toContain('href="/jobs/support/runs"');
    expect(html).toContain('href="/jobs/support/cases/c1"');
    // Each point of the accuracy chart links its run.
    expect(html.match(/<a href="\/runs\/[^"]+"><circle/g)).toHaveLength(counts.support!);
  });

  describe("over HTTP", () => {
    let http: HttpServer;
    beforeAll(async () => {
      http = await startHttpServer({
        port: 0,
        host: "127.0.0.1",
        routes: dashboardRoutes({ database, clock: new ManualClock(DASH_NOW) }),
        log: silentLogger(),
      });
    });
    afterAll(() => http?.stop());
    const get = (path: string) => fetch(`http://127.0.0.1:${http.port}${path}`);

    it("serves the page at /", async () => {
      const res = await get("/");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await res.text();
      expect(html).toContain('id="job-billing"');
    });

    it("shows each shadow job's win rate with its interval on the overview, not on one job's page", async () => {
      const at = new Date(DASH_NOW.getTime() - 3_600_000);
      await database.db
        .execute(sql`insert into shadow_runs (id, job, candidate, incumbent, trigger, status, started_at, judge_model, rubric, margin, alpha, repeats, win_rate, win_low, win_high, decision)
        values ('sh-1', 'canary-vs-prod', 'canary', 'prod', 'schedule', 'completed', ${at.toISOString()}::timestamptz, 'judge-1', 'helpfulness', 0.05, 0.05, 1, 0.42, 0.31, 0.53, 'fail')`);
      const html = await (await get("/")).text();
      expect(html).toContain("canary-vs-prod: last fail, win rate 42");
      const one = await (await get("/?job=billing&days=30")).text();
      expect(one).not.toContain("canary-vs-prod");
    });

    it("shows one job with ?job= and refuses a bad range", async () => {
      const one = await (await get("/?job=billing&days=30")).text();
      expect(one.match(/<section class="job"/g)).toHaveLength(1);
      expect(one).toContain('data-job="billing"');
      const bad = await get("/?days=many");
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain("days must be a whole number");
    });
  });
});
