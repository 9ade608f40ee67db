import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { report } from "../../src/commands/report.ts";
import { silentLogger } from "../../src/log.ts";
import { PAGE_CSP } from "../../src/report/page.ts";
import {
  fillHours,
  formatSpendReport,
  loadSpendSeries,
  productionSpendSection,
  spendChartRange,
  spendReport,
} from "../../src/report/production-spend.ts";
import { dashboardRoutes } from "../../src/report/routes.ts";
import { startHttpServer, type HttpServer } from "../../src/server/http.ts";
import type { Database } from "../../src/store/db.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { cases, seedRun } from "./seed.ts";

const NOW = new Date("2025-03-14T18:30:00Z");
const HOUR = 3_600_000;
const DAY = 86_400_000;

let database: Database;

/** `calls` calls a minute at $0.01 (unpriced: $0) with 1,000 tokens each, for [from, to). */
async function spend(agent: string, from: string, to: string, calls: number, unpriced = false) {
  await database.db.execute(sql`
    insert into spend_minutes (minute, agent, service, provider, model, calls, input_tokens, output_tokens, cost_usd, unpriced_calls)
    select g, ${agent}, 'svc', 'p', ${unpriced ? "mystery-1" : "gpt-4o"}, ${calls}, ${calls * 900}, ${calls * 100},
      ${unpriced ? 0 : calls * 0.01}, ${unpriced ? calls : 0}
    from generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 minute', interval '1 minute') g`);
}

beforeAll(async () => {
  database = await testDatabase();
  // support-bot: 1 call a minute for the week before, 2 a minute this week (the report's windows).
  await spend("support-bot", "2025-03-01T00:00:00Z", "2025-03-08T00:00:00Z", 1);
  await spend("support-bot", "2025-03-08T00:00:00Z", "2025-03-14T18:00:00Z", 2);
  // An hour of an unpriced model, and a <script> of an agent name.
  await spend("local-llm", "2025-03-14T10:00:00Z", "2025-03-14T11:00:00Z", 3, true);
  await spend("<script>", "2025-03-14T12:00:00Z", "2025-03-14T12:10:00Z", 1);
  await seedRun(database.db, { job: "support", agent: "support-bot", at: new Date("2025-03-14T10:00:00Z"), cases: cases([5, 5], 5) });
});
afterAll(() => database?.close());

describe("production spend in the dashboard", () => {
  it("sums every agent's spend per hour, aligned on the range's start", async () => {
    const range = { from: new Date("2025-03-14T00:00:00Z"), to: NOW };
    const series = await loadSpendSeries(database.db, range);
    expect(series.map((s) => s.agent)).toEqual(["<script>", "local-llm", "support-bot"]);
    const bot = series[2]!;
    expect(bot.hours).toHaveLength(18);
    expect(bot.hours[0]).toEqual({
      at: new Date("2025-03-14T00:00:00Z"),
      costUsd: expect.closeTo(1.2, 9),
      calls: 120,
      tokens: 120_000,
      unpricedCalls: 0,
    });
    expect(bot.costUsd).toBeCloseTo(18 * 1.2, 9);
    expect(series[1]).toMatchObject({ costUsd: 0, calls: 180, unpricedCalls: 180 });
    expect((await loadSpendSeries(database.db, { ...range, agents: ["local-llm"] })).map((s) => s.agent)).toEqual(["local-llm"]);
    expect(await loadSpendSeries(database.db, { ...range, agents: [] })).toEqual([]);
  });

  it("fills idle hours with zero and covers at most seven days", async () => {
    const [s] = await loadSpendSeries(database.db, { from: new Date("2025-03-14T00:00:00Z"), to: NOW, agents: ["local-llm"] });
    const hours = fillHours(s!, new Date("2025-03-14T00:00:00Z"), NOW);
    expect(hours).toHaveLength(19);
    expect(hours.map((h) => h.calls)).toEqual(hours.map((_, i) => (i === 10 ? 180 : 0)));
    expect(spendChartRange(NOW, 30)).toEqual({ from: new Date(Date.parse("2025-03-14T00:00:00Z") - 6 * DAY), to: NOW });
    expect(spendChartRange(NOW, 1)).toEqual({ from: new Date("2025-03-14T00:00:00Z"), to: NOW });
  });

  it("draws a USD chart per agent, calls as well when some were unpriced, escaping names", async () => {
    const range = { from: new Date("2025-03-14T00:00:00Z"), to: NOW };
    const html = productionSpendSection(await loadSpendSeries(database.db, range), range);
    expect(html).toContain('<section class="job" id="production-spend">');
    expect(html.match(/class="chart"/g)).toHaveLength(4);
    expect(html).toContain("local-llm: calls per hour (180 unpriced)");
    expect(html).toContain('data-points="19"');
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("style=");
    expect(productionSpendSection([], range)).toBe("");
  });

  it("is served on the dashboard, before the jobs, and one job's page shows its agent only", async () => {
    const http: HttpServer = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      routes: dashboardRoutes({ database, clock: new ManualClock(NOW) }),
      log: silentLogger(),
    });
    try {
      const res = await fetch(`http://127.0.0.1:${http.port}/?days=1`);
      expect(res.headers.get("content-security-policy")).toBe(PAGE_CSP);
      const html = await res.text();
      expect(html.indexOf('id="production-spend"')).toBeGreaterThan(0);
      expect(html.indexOf('id="production-spend"')).toBeLessThan(html.indexOf('id="job-support"'));
      expect(html).toContain("support-bot: USD per hour");
      expect(html).toContain("local-llm: USD per hour");
      const one = await (await fetch(`http://127.0.0.1:${http.port}/?days=1&job=support`)).text();
      expect(one).toContain("support-bot: USD per hour");
      expect(one).not.toContain("local-llm");
      // A production-spend alert's link: its agent's spend.
      const alertLink = await (await fetch(`http://127.0.0.1:${http.port}/?days=1&job=production:local-llm`)).text();
      expect(alertLink).toContain("local-llm: USD per hour");
      expect(alertLink).not.toContain("support-bot: USD per hour");
    } finally {
      await http.stop();
    }
  });
});

describe("production spend in goldwatch report", () => {
  it("compares each agent's spend per day this window with the baseline window", async () => {
    const rows = await spendReport(database.db, {
      baselineFrom: new Date("2025-03-01T00:00:00Z"),
      currentFrom: new Date("2025-03-08T00:00:00Z"),
      to: NOW,
    });
    const bot = rows.find((r) => r.agent === "support-bot")!;
    const days = (NOW.getTime() - Date.parse("2025-03-08T00:00:00Z")) / DAY;
    expect(bot.costUsd).toBeCloseTo((6 * 24 + 18) * 60 * 0.02, 6);
    expect(bot.baselineUsd).toBeCloseTo(7 * 24 * 60 * 0.01, 6);
    expect(bot.ratio).toBeCloseTo(bot.costUsd / days / (bot.baselineUsd / 7), 9);
    expect(rows.find((r) => r.agent === "local-llm")).toMatchObject({ costUsd: 0, unpricedCalls: 180, ratio: null, tokens: 180_000 });
    const text = formatSpendReport(rows);
    expect(text).toMatch(/^\nproduction spend \(OTLP spans\):\n/);
    expect(text).toMatch(/local-llm .* 180 unpriced calls \(tokens only\)/);
    expect(formatSpendReport([])).toBe("");
  });

  it("follows the drift table in text and JSON, over the same windows", async () => {
    const out: string[] = [];
    const deps = { db: database.db, clock: new ManualClock(NOW), out: (t: string) => out.push(t), err: () => {}, color: false };
    expect(await report(deps, { since: "7d", json: false })).toBe(0);
    const text = out.join("");
    expect(text.indexOf("production spend (OTLP spans):")).toBeGreaterThan(text.indexOf("support"));
    expect(text.split("\n").find((l) => l.trimStart().startsWith("support-bot"))).toMatch(/per day \+\d+% vs baseline/);
    out.length = 0;
    expect(await report(deps, { since: "7d", json: true, job: "support" })).toBe(0);
    const body = JSON.parse(out.join("")) as { productionSpend: { agent: string }[] };
    expect(body.productionSpend.map((s) => s.agent)).toEqual(["support-bot"]);
  });
});
