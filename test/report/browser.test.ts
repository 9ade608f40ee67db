import { existsSync } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { chromium, type Browser, type Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { dashboardRoutes } from "../../src/report/routes.ts";
import type { Database } from "../../src/store/db.ts";
import { startHttpServer, type HttpServer } from "../../src/server/http.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { DASH_NOW, seedDashboard } from "./dashboard-seed.ts";

// Debian's chromium, driven by playwright-core (no browser download). Absent locally: skipped,
// with the reason in the test name; absent in CI: a failure, because CI must run it.
const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
const SCREENSHOT = new URL("../../test-output/dashboard.png", import.meta.url);

/** An element's computed background colour (runs in the page; the DOM types are not in this project's lib). */
const background = (locator: Locator) =>
  locator.evaluate(
    (e) => (globalThis as unknown as { getComputedStyle(el: unknown): { backgroundColor: string } }).getComputedStyle(e).backgroundColor,
  );

if (!available && process.env.CI) {
  describe("dashboard in headless Chromium", () => {
    it("needs /usr/bin/chromium in CI (apt-get install -y chromium)", () => {
      throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium)`);
    });
  });
}

describe.skipIf(!available)(
  `dashboard in headless Chromium${available ? "" : ` (skipped: ${CHROMIUM} is not installed; apt-get install -y chromium)`}`,
  () => {
    let database: Database;
    let http: HttpServer;
    let browser: Browser;
    let counts: Record<string, number>;
    beforeAll(async () => {
      database = await testDatabase();
      counts = await seedDashboard(database.db);
      http = await startHttpServer({
        port: 0,
        host: "127.0.0.1",
        routes: dashboardRoutes({ database, clock: new ManualClock(DASH_NOW) }),
        log: silentLogger(),
      });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await http?.stop();
      await database?.close();
    });

    it("loads without JavaScript, charts the stored runs, and is written as a screenshot", async () => {
      // No JavaScript: the page must be readable as the server rendered it.
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1200, height: 900 } });
      try {
        const page = await context.newPage();
        const refused: string[] = [];
        page.on("console", (m) => void (/Content Security Policy/i.test(m.text()) && refused.push(m.text())));
        const res = await page.goto(`http://127.0.0.1:${http.port}/`);
        expect(res?.status()).toBe(200);
        // The page's CSP lets its stylesheet (and the legend's classes) apply, and refuses nothing it needs.
        expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
        await expect(background(page.locator("header"))).resolves.toBe("rgb(26, 32, 44)");
        await expect(background(page.locator(".legend i.m-model"))).resolves.toBe("rgb(123, 63, 191)");
        await expect(page.title()).resolves.toBe("goldwatch");
        const support = page.locator("#job-support");
        await expect(support.locator("h2").textContent()).resolves.toBe("support");
        // The accuracy chart plots one point per stored run, and the browser laid it out.
        const chart = support.locator("svg.chart").first();
        await expect(chart.getAttribute("data-points")).resolves.toBe(String(counts.support));
        await expect(chart.locator("circle.dot").count()).resolves.toBe(counts.support);
        const box = await chart.boundingBox();
        expect(box?.width).toBeGreaterThan(300);
        expect(await support.locator("line.marker-agent_model").count()).toBe(3); // on each of the three charts
        expect(await support.locator("svg.strip").count()).toBe(4);
        await expect(support.locator(".alerts li").first().textContent()).resolves.toContain("support <accuracy> dropped");
        await mkdir(new URL(".", SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
        expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
        expect(refused).toEqual([]);
      } finally {
        await context.close();
      }
    });
  },
);
