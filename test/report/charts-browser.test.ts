import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { sql } from "drizzle-orm";
import { chromium, type Browser, type Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { MAX_RUN_POINTS } from "../../src/report/dashboard-data.ts";
import { dashboardRoutes } from "../../src/report/routes.ts";
import type { Database } from "../../src/store/db.ts";
import { startHttpServer, type HttpServer } from "../../src/server/http.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { cases, HOUR, seedRun } from "./seed.ts";

// The dashboard's charts at three volumes (one run, ten runs, a year of hourly runs), drawn by
// headless Chromium: points must be in the DOM and on the screenshot. Skipped without Debian's
// chromium, like browser.test.ts (and a failure in CI, which installs it).
const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
const NOW = new Date("2025-03-14T12:00:00Z");
const OUT = new URL("../../test-output/", import.meta.url);

/** A year of hourly runs in one statement: 8,760 run rows, as the engine would have left them. */
async function seedYearHourly(db: Database["db"], job: string): Promise<number> {
  await db.execute(sql`
    insert into runs (id, job, agent, trigger, slot_at, golden_name, golden_hash, judge_model, status, replica,
      started_at, finished_at, heartbeat_at, cases, repeats, trials, scored, passed,
      accuracy, ci_low, ci_high, ci_method, p50_ms, p95_ms, cost_usd, agent_model)
    select ${job} || '-' || i, ${job}, ${job} || '-agent', 'schedule', t, 'golden', 'hash-1', 'judge-1', 'completed', 'test',
      t, t + interval '30 seconds', t + interval '30 seconds', 10, 5, 50, 50, round(50 * acc)::int,
      acc, acc - 0.08, least(1, acc + 0.08), 't-cases', 500, 1000 + 300 * sin(i / 24.0), 0.02 + 0.005 * sin(i / 500.0), 'model-a'
    from (
      select i, ${NOW.toISOString()}::timestamptz - make_interval(hours => i) as t, 0.85 + 0.1 * sin(i / 300.0) as acc
      from generate_series(1, 8760) as i
    ) x`);
  return 8760;
}

/** Pixels of the charts' ink colour (#2b6cb0: line, dots, whiskers) in a PNG, counted by the browser's own decoder. */
async function inkPixels(browser: Browser, png: Buffer): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    return await page.evaluate(async (b64) => {
      // Runs in the browser; the DOM types are not in this project's lib.
      const g = globalThis as unknown as {
        document: { createElement(t: string): any };
        Image: new () => any;
      };
      const img = new g.Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = g.document.createElement("canvas");
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0);
      const data: Uint8ClampedArray = ctx.getImageData(0, 0, img.width, img.height).data;
      let n = 0;
      // Bluish and dark enough: the ink (43,108,176), not the pale band, the grid or the white plot.
      for (let i = 0; i < data.length; i += 4) if (data[i + 2]! - data[i]! > 60 && data[i]! < 150) n++;
      return n;
    }, png.toString("base64"));
  } finally {
    await context.close();
  }
}

if (!available && process.env.CI) {
  describe("charts at every volume in headless Chromium", () => {
    it("needs /usr/bin/chromium in CI (apt-get install -y chromium)", () => {
      throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`);
    });
  });
}

describe.skipIf(!available)(
  `charts at every volume in headless Chromium${available ? "" : ` (skipped: ${CHROMIUM} is not installed; apt-get install -y chromium)`}`,
  () => {
    let database: Database;
    let http: HttpServer;
    let browser: Browser;
    beforeAll(async () => {
      database = await testDatabase();
      await seedRun(database.db, {
        job: "one",
        at: new Date(NOW.getTime() - 2 * HOUR),
        cases: cases([3, 2, 3], 3),
        costUsd: 0.03,
        p95Ms: 900,
      });
      for (let i = 1; i <= 10; i++) {
        await seedRun(database.db, {
          job: "ten",
          at: new Date(NOW.getTime() - i * HOUR),
          cases: cases([3, i % 3, 3], 3),
          costUsd: 0.01 * i,
          p95Ms: 800 + 50 * i,
        });
      }
      await seedYearHourly(database.db, "year");
      http = await startHttpServer({
        port: 0,
        host: "127.0.0.1",
        routes: dashboardRoutes({ database, clock: new ManualClock(NOW) }),
        log: silentLogger(),
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
      });
      await mkdir(OUT, { recursive: true });
    }, 120_000);
    afterAll(async () => {
      await browser?.close();
      await http?.stop();
      await database?.close();
    });

    /** Opens a job's view without JavaScript; its three charts (accuracy, cost, p95). */
    async function charts(job: string, days: number, shot: string): Promise<{ charts: Locator[]; close: () => Promise<void> }> {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 700 } });
      const page = await context.newPage();
      const res = await page.goto(`http://127.0.0.1:${http.port}/?job=${job}&days=${days}`);
      expect(res?.status()).toBe(200);
      await page.screenshot({ path: new URL(shot, OUT).pathname, fullPage: true });
      const list = page.locator(`#job-${job} svg.chart`);
      expect(await list.count()).toBe(3);
      return { charts: [list.nth(0), list.nth(1), list.nth(2)], close: () => context.close() };
    }

    /** The chart's screenshot has ink on it: the points were painted, not only put in the DOM. */
    async function painted(chart: Locator, name: string, atLeast: number): Promise<void> {
      const png = await chart.screenshot();
      await writeFile(new URL(name, OUT), png);
      expect(await inkPixels(browser, png)).toBeGreaterThanOrEqual(atLeast);
    }

    it("draws a single run: a dot with its interval on every chart", async () => {
      const {
        charts: [accuracy, cost, p95],
        close,
      } = await charts("one", 7, "chart-1-run.png");
      try {
        await expect(accuracy!.getAttribute("data-points")).resolves.toBe("1");
        await expect(accuracy!.locator("circle.dot").count()).resolves.toBe(1);
        await expect(accuracy!.locator("line.whisker").count()).resolves.toBe(1);
        // Cost and latency show the one run they have.
        await expect(cost!.locator("circle.dot").count()).resolves.toBe(1);
        await expect(p95!.locator("circle.dot").count()).resolves.toBe(1);
        await expect(accuracy!.locator("title").first().textContent()).resolves.toContain("per run");
        await painted(accuracy!, "chart-1-run-accuracy.png", 20);
        await painted(cost!, "chart-1-run-cost.png", 20);
      } finally {
        await close();
      }
    });

    it("draws ten runs a point per run, each linked to its run page", async () => {
      const {
        charts: [accuracy, cost],
        close,
      } = await charts("ten", 1, "chart-10-runs.png");
      try {
        await expect(accuracy!.getAttribute("data-points")).resolves.toBe("10");
        await expect(accuracy!.locator("circle.dot").count()).resolves.toBe(10);
        await expect(accuracy!.locator("a[href^='/runs/']").count()).resolves.toBe(10);
        await expect(accuracy!.locator("polygon.band").count()).resolves.toBe(1);
        await expect(cost!.locator("polyline.line").count()).resolves.toBe(1);
        await painted(accuracy!, "chart-10-runs-accuracy.png", 200);
        await painted(cost!, "chart-10-runs-cost.png", 200);
      } finally {
        await close();
      }
    });

    it("draws a year of hourly runs in 2-day buckets, every bucket a point", async () => {
      const {
        charts: [accuracy, cost, p95],
        close,
      } = await charts("year", 366, "chart-year-hourly.png");
      try {
        const points = Number(await accuracy!.getAttribute("data-points"));
        // 8,760 runs over 366 days in 2-day buckets: 183 points, far more than MAX_RUN_POINTS runs.
        expect(8760).toBeGreaterThan(MAX_RUN_POINTS);
        expect(points).toBeGreaterThanOrEqual(182);
        expect(points).toBeLessThanOrEqual(184);
        await expect(accuracy!.locator("circle.dot").count()).resolves.toBe(points);
        await expect(accuracy!.locator("title").first().textContent()).resolves.toContain("per 2 d bucket");
        await expect(cost!.getAttribute("data-points")).resolves.toBe(String(points));
        await expect(p95!.locator("polyline.line").count()).resolves.toBe(1);
        await painted(accuracy!, "chart-year-accuracy.png", 500);
        await painted(p95!, "chart-year-p95.png", 300);
      } finally {
        await close();
      }
    });
  },
);
