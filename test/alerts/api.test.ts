import { afterAll, describe, expect, it } from "vitest";
import { handleFindings } from "../../src/alerts/index.ts";
import { createAlertWorker } from "../../src/notify/delivery.ts";
import { alertRoutes } from "../../src/alerts/routes.ts";
import { alertDeps, deliveryDeps, type App } from "../../src/app.ts";
import { silentLogger } from "../../src/log.ts";
import { startHttpServer } from "../../src/server/http.ts";
import { alerts } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";
import { startFakeSlack } from "../helpers/slack-server.ts";
import { droppedCases, HOUR, manualClock, storeRun, testApp, thresholdFinding, type ManualClock } from "./setup.ts";

const TOKEN = "api-token-for-tests-0001";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** `null`: no API token configured. */
async function setup(apiToken: string | null = TOKEN) {
  const slack = await startFakeSlack({ token: "xoxb-the-right-one" });
  const database = await testDatabase();
  const clock = manualClock();
  const app = testApp(database, { clock, notify: { slack: { token: "xoxb-a-wrong-one", channel: "#c", api_url: slack.apiUrl } } });
  const http = await startHttpServer({
    port: 0,
    host: "127.0.0.1",
    routes: alertRoutes(alertDeps(app), { apiToken: apiToken ?? undefined }),
    log: silentLogger(),
  });
  cleanup.push(
    () => slack.close(),
    () => database.close(),
    () => http.stop(),
  );
  const base = `http://127.0.0.1:${http.port}`;
  /** `token` null: no authorization header. */
  const call = (method: string, path: string, body?: unknown, token: string | null = apiToken) =>
    fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return { app, clock, call };
}

async function fire(app: App, clock: ManualClock) {
  const s = await storeRun(app, { cases: droppedCases() });
  await handleFindings(alertDeps(app), {
    jobName: "support-hourly",
    job: app.loaded.config.jobs["support-hourly"]!,
    summary: s,
    findings: [thresholdFinding(s)],
  });
  clock.tick(HOUR);
}

describe("/api/alerts and /api/silences", () => {
  it("an alert whose Slack delivery failed for good stays visible, with the reason", async () => {
    const { app, clock, call } = await setup();
    await fire(app, clock);
    await createAlertWorker(deliveryDeps(app)).drain({ timeoutMs: 0 });
    const res = await call("GET", "/api/alerts");
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      alerts: { state: string; labels: Record<string, string>; deliveries: { channel: string; status: string; lastError: string }[] }[];
    };
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({
      state: "firing",
      labels: { job: "support-hourly", agent: "support-bot", detector: "threshold" },
    });
    expect(body.alerts[0]!.deliveries).toEqual([
      expect.objectContaining({ channel: "slack", status: "failed", lastError: expect.stringContaining("invalid_auth") }),
    ]);
    expect((await call("GET", "/api/alerts?state=resolved")).status).toBe(200);
    expect(((await (await call("GET", "/api/alerts?state=resolved")).json()) as { alerts: unknown[] }).alerts).toHaveLength(0);
    const bad = await call("GET", "/api/alerts?state=burning");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("state");
  });

  it("creates, lists and expires silences with the bearer token; a silence holds an alert back", async () => {
    const { app, clock, call } = await setup();
    const created = await call("POST", "/api/silences", {
      matchers: ["job=support-hourly", { name: "detector", op: "=~", value: "thresh.*" }],
      duration: "2h",
      comment: "deploy",
      created_by: "ana",
    });
    expect(created.status).toBe(201);
    const { silence } = (await created.json()) as { silence: { id: string; endsAt: string } };
    expect(new Date(silence.endsAt).getTime() - clock.now().getTime()).toBe(2 * HOUR);
    const listed = (await (await call("GET", "/api/silences")).json()) as { silences: { id: string }[] };
    expect(listed.silences.map((s) => s.id)).toEqual([silence.id]);

    await fire(app, clock);
    const [a] = await app.database.db.select().from(alerts);
    expect(a).toMatchObject({ state: "firing", notified: false, silencedBy: silence.id });

    expect((await call("DELETE", `/api/silences/${silence.id}`)).status).toBe(200);
    expect((await call("DELETE", `/api/silences/${silence.id}`)).status).toBe(404);
    expect(((await (await call("GET", "/api/silences")).json()) as { silences: unknown[] }).silences).toHaveLength(0);
    await fire(app, clock);
    const [after] = await app.database.db.select().from(alerts);
    expect(after).toMatchObject({ notified: true, silencedBy: null });
  });

  it("refuses a wrong or missing token, and bad input with the field named", async () => {
    const { call } = await setup();
    const body = { matchers: ["job=a"], duration: "1h" };
    expect((await call("POST", "/api/silences", body, null)).status).toBe(401);
    expect((await call("POST", "/api/silences", body, "not-the-token")).status).toBe(401);
    const bad = await call("POST", "/api/silences", { matchers: ["jobs=a", "case=~("], duration: "soon" });
    expect(bad.status).toBe(400);
    const { issues } = (await bad.json()) as { issues: string[] };
    expect(issues).toEqual([
      expect.stringMatching(/^matchers\[0\]: "jobs=a": expected a label name: job, agent, detector, case/),
      expect.stringMatching(/^matchers\[1\]: "case=~\(": expected a valid regular expression/),
      expect.stringMatching(/^duration: expected a duration like/),
    ]);
    const neither = await call("POST", "/api/silences", { matchers: ["job=a"] });
    expect(((await neither.json()) as { issues: string[] }).issues).toEqual([
      "duration: expected exactly one of duration (e.g. 2h) or ends_at",
    ]);
  });

  it("without an API token configured, the write endpoints are off", async () => {
    const { call } = await setup(null);
    expect((await call("POST", "/api/silences", { matchers: ["job=a"], duration: "1h" }, "anything")).status).toBe(404);
    expect((await call("GET", "/api/silences")).status).toBe(200);
  });
});
