import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { systemClock } from "../../src/clock.ts";
import { silentLogger } from "../../src/log.ts";
import { dashboardRoutes } from "../../src/report/routes.ts";
import { sendJson, sendText, startHttpServer, type HttpServer } from "../../src/server/http.ts";
import { startService } from "../../src/service.ts";
import type { Database } from "../../src/store/db.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { DASH_NOW, seedDashboard } from "../report/dashboard-seed.ts";
import { configYaml, loadTestConfig } from "../service/fixtures.ts";

const READ = "read-token-5d1e0c9b";
const API = "api-token-77c3a2f1";
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("read authentication", () => {
  let http: HttpServer;
  let base: string;
  beforeAll(async () => {
    http = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      log: silentLogger(),
      readTokens: [READ, API],
      routes: {
        "GET /": (_req, res) => sendText(res, 200, "<!doctype html><p>dashboard</p>", "text/html; charset=utf-8"),
        "GET /healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
        "GET /readyz": (_req, res) => sendJson(res, 200, { status: "ready" }),
        "GET /metrics": (_req, res) => sendText(res, 200, "goldwatch_runs_active 0\n"),
        "GET /api/alerts": (_req, res) => sendJson(res, 200, []),
        "POST /api/silences": (_req, res) => sendJson(res, 201, { id: "s" }),
      },
    });
    base = `http://127.0.0.1:${http.port}`;
  });
  afterAll(() => http.stop());

  it.each(["/", "/metrics", "/api/alerts", "/api/nope"])(
    "GET %s without a token is 401, with challenges for browsers and scripts",
    async (path) => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain('Basic realm="goldwatch"');
      expect(res.headers.get("www-authenticate")).toContain('Bearer realm="goldwatch"');
      expect(await res.text()).not.toContain("goldwatch_runs_active");
    },
  );

  it("accepts the read token or the API token, as a bearer or as a basic-auth password", async () => {
    for (const authorization of [`Bearer ${READ}`, `bearer ${API}`, basic("anyone", READ), basic("", API)]) {
      const res = await fetch(`${base}/metrics`, { headers: { authorization } });
      expect([authorization, res.status]).toEqual([authorization, 200]);
      expect(await res.text()).toContain("goldwatch_runs_active 0");
    }
  });

  it("refuses a wrong token, a token's prefix and a basic auth without a password", async () => {
    for (const authorization of [
      `Bearer ${READ}x`,
      `Bearer ${READ.slice(0, -1)}`,
      basic(READ, ""),
      `Basic ${Buffer.from(READ).toString("base64")}`,
    ]) {
      expect((await fetch(`${base}/`, { headers: { authorization } })).status).toBe(401);
    }
  });

  it("leaves the probes open and writes to their own guard", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/api/silences`, { method: "POST" })).status).toBe(201);
  });
});

describe("security headers", () => {
  let database: Database;
  let http: HttpServer;
  let base: string;
  beforeAll(async () => {
    database = await testDatabase();
    await seedDashboard(database.db);
    http = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      log: silentLogger(),
      routes: { ...dashboardRoutes({ database, clock: new ManualClock(DASH_NOW) }), "GET /healthz": (_req, res) => sendJson(res, 200, {}) },
    });
    base = `http://127.0.0.1:${http.port}`;
  });
  afterAll(async () => {
    await http?.stop();
    await database?.close();
  });

  it("every response: nosniff, no framing, a strict CSP", async () => {
    for (const path of ["/healthz", "/nope", "/?days=0"]) {
      const res = await fetch(`${base}${path}`);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
  });

  it("the dashboard's CSP allows its own stylesheet by hash, and the page needs nothing else", async () => {
    const res = await fetch(`${base}/?days=30`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="job-support"');
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    // The one <style> element is allowed by its hash; no style attributes, scripts or frames need more.
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(styles).toHaveLength(1);
    expect(csp).toContain(`style-src 'sha256-${createHash("sha256").update(styles[0]!).digest("base64")}'`);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/<script|<iframe|<img|\son[a-z]+=/i);
  });
});

describe("serve: server.host and GOLDWATCH_READ_TOKEN", () => {
  it("listens only on server.host, and guards reads with the read token", async () => {
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 0 1 1 *" }, server: { host: "127.0.0.1" } }));
    try {
      await using database = await testDatabase();
      const app = createApp(loaded, database, silentLogger(), systemClock);
      await using service = await startService(app, { env: { GOLDWATCH_READ_TOKEN: READ }, watch: false });
      // The IPv6 loopback is another interface: nothing listens there.
      await expect(fetch(`http://[::1]:${service.port}/healthz`)).rejects.toThrow();
      const base = `http://127.0.0.1:${service.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${READ}` } })).status).toBe(200);
      expect((await fetch(`${base}/`, { headers: { authorization: basic("me", READ) } })).status).toBe(200);
      // The read token is a secret like the API token: redacted from anything emitted.
      expect(loaded.secrets.redact(`token ${READ}`)).toBe("token [redacted]");
    } finally {
      await rm(loaded.dir, { recursive: true, force: true });
    }
  });

  it("without server.host every interface is served, as before", async () => {
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 0 1 1 *" } }));
    try {
      await using database = await testDatabase();
      const app = createApp(loaded, database, silentLogger(), systemClock);
      await using service = await startService(app, { env: {}, watch: false });
      expect((await fetch(`http://[::1]:${service.port}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${service.port}/metrics`)).status).toBe(200);
    } finally {
      await rm(loaded.dir, { recursive: true, force: true });
    }
  });
});
