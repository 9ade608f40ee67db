import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Notification } from "../../src/alerts/notification.ts";
import { runUrl } from "../../src/alerts/context.ts";
import { silentLogger } from "../../src/log.ts";
import { plainText } from "../../src/notify/format.ts";
import { pagerDutyEvent } from "../../src/notify/pagerduty.ts";
import { rootBlocks } from "../../src/notify/slack-blocks.ts";
import { failingStreak } from "../../src/report/case-page.ts";
import { PREVIEW_CHARS } from "../../src/report/layout.ts";
import { RUN_PAGE, rankCases } from "../../src/report/run-page.ts";
import { runPageRoutes } from "../../src/report/run-routes.ts";
import type { Database } from "../../src/store/db.ts";
import { insertTrials, type TrialRow } from "../../src/store/trials.ts";
import { alertEvents } from "../../src/store/tables/alerts.ts";
import { startHttpServer, type HttpServer } from "../../src/server/http.ts";
import { testDatabase } from "../helpers/db.ts";
import { notificationFixture } from "../notify/notification-fixture.ts";
import { HOUR, seedRun } from "./seed.ts";

const HOSTILE = `<script>alert("pwned")</script><img src=x onerror=alert(1)>`;
const LONG = `${"The refund window is 30 days. ".repeat(60)}END-OF-LONG-OUTPUT`;
const T0 = new Date("2025-03-10T00:00:00Z");

/** A trial row as the engine stores it, with `over` applied. */
const trial = (runId: string, at: Date, caseId: string, repeat: number, over: Partial<TrialRow> = {}): TrialRow => ({
  runId,
  caseId,
  repeat,
  startedAt: new Date(at.getTime() + 1000 + repeat),
  latencyMs: 1234,
  status: "pass",
  passed: true,
  score: 1,
  output: "30 days",
  steps: null,
  inputTokens: 120,
  outputTokens: 45,
  costUsd: 0.0021,
  model: "model-a",
  fingerprint: null,
  errorKind: null,
  errorMessage: null,
  assertions: [{ type: "contains", passed: true, reason: "found" }],
  ...over,
});

const failing = (runId: string, at: Date, caseId: string, repeat: number, output = "I guarantee 90 days"): TrialRow =>
  trial(runId, at, caseId, repeat, {
    status: "fail",
    passed: false,
    score: 0,
    output,
    steps: [
      { tool: "search_kb", args: { q: "refund <annual>" }, error: "kb timeout <503>" },
      { tool: "answer", args: { text: "90 days" }, result: { ok: true } },
    ],
    assertions: [
      { type: "contains", passed: false, reason: `output does not contain "30 days"` },
      { type: "judge", passed: false, reason: "The answer contradicts the policy <b>faithfulness 0.1</b>", model: "judge-1", score: 0.1 },
    ],
  });

describe("run, case and runs pages over a real database and HTTP", () => {
  let database: Database;
  let http: HttpServer;
  let runId: string;
  let runIds: string[];
  const base = () => `http://127.0.0.1:${http.port}`;
  const get = (path: string) => fetch(`${base()}${path}`);

  beforeAll(async () => {
    database = await testDatabase();
    const db = database.db;
    // Five hourly runs of "support"; case "refund" fails from the third run on.
    runIds = [];
    for (let i = 0; i < 5; i++) {
      const at = new Date(T0.getTime() + i * HOUR);
      const broken = i >= 2;
      const id = await seedRun(db, {
        job: "support",
        at,
        cases: [
          { id: "refund", passes: broken ? 1 : 3, scored: 3 },
          { id: "greeting", passes: 3, scored: 3 },
          { id: "huge", passes: broken ? 0 : 70, scored: 70 },
        ],
      });
      runIds.push(id);
      const rows: TrialRow[] = [trial(id, at, "refund", 0), ...[0, 1, 2].map((r) => trial(id, at, "greeting", r))];
      rows.push(
        ...(broken
          ? [1, 2].map((r) => failing(id, at, "refund", r, r === 1 ? HOSTILE : LONG))
          : [1, 2].map((r) => trial(id, at, "refund", r))),
      );
      // "huge": 70 repeats, every one failing from the third run: the run page caps, the case view pages.
      for (let r = 0; r < 70; r++) rows.push(broken ? failing(id, at, "huge", r, `huge answer ${r}`) : trial(id, at, "huge", r));
      await insertTrials(db, rows);
    }
    runId = runIds[4]!;
    await db.insert(alertEvents).values({
      fingerprint: "fp",
      job: "support",
      agent: "support-agent",
      detector: "drop",
      runId: runIds[2]!,
      at: new Date(T0.getTime() + 2 * HOUR + 60_000),
      event: "firing",
      state: "firing",
      severity: "critical",
      summary: "accuracy <dropped>",
    });
    http = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      routes: runPageRoutes({
        database,
        // The loaded golden set is the version the runs replayed ("hash-1", as seeded).
        goldens: () =>
          new Map([
            [
              "support",
              {
                hash: "hash-1",
                cases: ["refund", "greeting", "huge"].map((id) => ({ id, input: `question about ${id} <i>`, expected: "30 days" })),
              },
            ],
          ]),
        secrets: { redact: (s) => s.replace("about", "ab***") },
      }),
      log: silentLogger(),
    });
  });
  afterAll(async () => {
    await http?.stop();
    await database?.close();
  });

  it("shows the run: summary with its interval, cases worst first, and each failing trial in full, escaped", async () => {
    const res = await get(`/runs/${encodeURIComponent(runId)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-/);
    const html = await res.text();
    expect(html).toMatch(/accuracy<\/th><td>\d+\.\d% \[\d+\.\d%, \d+\.\d%\]/);
    // Worst first: huge (0/70), refund (1/3), greeting (3/3).
    const order = [
      ...html.matchAll(
        /<tr class="failing"><td><a href="\/jobs\/support\/cases\/([a-z]+)">|<tr><td><a href="\/jobs\/support\/cases\/([a-z]+)">/g,
      ),
    ].map((m) => m[1] ?? m[2]);
    expect(order).toEqual(["huge", "refund", "greeting"]);
    // Hostile output is text, never markup.
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;");
    // Every assertion's verdict and reason, the judge's reason, steps with arguments and errors.
    expect(html).toContain("output does not contain &quot;30 days&quot;");
    expect(html).toContain("The answer contradicts the policy &lt;b&gt;faithfulness 0.1&lt;/b&gt;");
    expect(html).toContain("judge judge-1, score 0.1");
    expect(html).toContain('<b>search_kb</b><div class="bad">error: kb timeout &lt;503&gt;</div>');
    expect(html).toContain("&quot;q&quot;: &quot;refund &lt;annual&gt;&quot;");
    expect(html).toContain("tokens 120 in / 45 out");
    expect(html).toContain("latency 1.23 s");
    // The input comes from the golden set when it is the version the run replayed.
    expect(html).toContain("question ab*** refund &lt;i&gt;");
    // A long output: a preview, and the whole text behind <details> (no script).
    expect(html).toContain(`show the full output (${LONG.length.toLocaleString("en-US")} characters)`);
    const preview = html.indexOf(LONG.slice(0, PREVIEW_CHARS));
    expect(preview).toBeGreaterThan(0);
    expect(html.indexOf("END-OF-LONG-OUTPUT")).toBeGreaterThan(html.indexOf("<details><summary>show the full output"));
    expect(html).not.toContain("<script");
  });

  it("caps a large run: a few trials per failing case, and one case's trials a page at a time", async () => {
    const html = await (await get(`/runs/${encodeURIComponent(runId)}`)).text();
    const huge = (html.match(/<article class="trial" data-case="huge"/g) ?? []).length;
    expect(huge).toBe(RUN_PAGE.perCase);
    expect(html).toContain(`all 70 trials of huge that did not pass`);
    const first = await (await get(`/runs/${encodeURIComponent(runId)}?case=huge`)).text();
    expect((first.match(/<article class="trial"/g) ?? []).length).toBe(RUN_PAGE.casePage);
    const next = /href="([^"]+)">next failing trials/.exec(first)![1]!.replaceAll("&amp;", "&");
    const second = await (await get(next)).text();
    const repeats = [...second.matchAll(/data-repeat="(\d+)"/g)].map((m) => Number(m[1]));
    expect(repeats).toEqual(Array.from({ length: 70 - RUN_PAGE.casePage }, (_, i) => i + RUN_PAGE.casePage));
    expect(second).not.toContain("next failing trials");
  });

  it("says 404 for an unknown run and 400 naming a bad parameter", async () => {
    const missing = await get("/runs/nope");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("no run with id nope");
    const bad = await get(`/runs/${encodeURIComponent(runId)}?after=garbage`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("query parameter after: expected a trials cursor");
    const api = await get("/api/runs?limit=100000");
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: string }).error).toMatch(/^query parameter limit: .*500/);
  });

  it("lists a job's runs newest first with status, accuracy, cost, p95, model and alert markers, paginated", async () => {
    const page1 = await (await get("/jobs/support/runs?limit=2")).text();
    const ids = (html: string) => [...html.matchAll(/<tr data-run="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(page1)).toEqual([runIds[4], runIds[3]]);
    const older = /href="([^"]+)">older runs/.exec(page1)![1]!.replaceAll("&amp;", "&");
    const page2 = await (await get(older)).text();
    expect(ids(page2)).toEqual([runIds[2], runIds[1]]);
    expect(page2).toContain("● fired: accuracy &lt;dropped&gt;");
    expect(page2).toMatch(/<td class="ok">completed<\/td><td class="n">\d+\.\d% \[/);
    expect(page2).toContain("model-a");
    const page3 = await (await get(/href="([^"]+)">older runs/.exec(page2)![1]!.replaceAll("&amp;", "&"))).text();
    expect(ids(page3)).toEqual([runIds[0]]);
    expect(page3).not.toContain("older runs");
  });

  it("serves runs and a run with its trials as JSON, both paginated by cursor", async () => {
    type RunsReply = {
      runs: { id: string; url: string; accuracy: number; alerts: unknown[] }[];
      next: string | null;
      next_url: string | null;
    };
    const seen: string[] = [];
    let url: string | null = "/api/runs?job=support&limit=2";
    while (url) {
      const reply = (await (await get(url)).json()) as RunsReply;
      seen.push(...reply.runs.map((r) => r.id));
      url = reply.next_url;
    }
    expect(seen).toEqual([...runIds].reverse());
    const one = (await (await get("/api/runs?job=support&limit=5")).json()) as RunsReply;
    expect(one.runs.find((r) => r.id === runIds[2])!.alerts).toHaveLength(1);
    expect(one.runs[0]!.url).toBe(`/runs/${encodeURIComponent(runIds[4]!)}`);

    type RunReply = {
      run: { id: string; accuracy: number };
      cases: { id: string }[];
      trials: { caseId: string; repeat: number; output: string; assertions: unknown[] }[];
      next_url: string | null;
    };
    const trials: string[] = [];
    let next: string | null = `/api/runs/${encodeURIComponent(runId)}?limit=30`;
    let pages = 0;
    while (next) {
      const reply = (await (await get(next)).json()) as RunReply;
      expect(reply.run.id).toBe(runId);
      expect(reply.cases.map((c) => c.id)).toEqual(["huge", "refund", "greeting"]);
      trials.push(...reply.trials.map((t) => `${t.caseId}/${t.repeat}`));
      next = reply.next_url;
      pages++;
    }
    // Every trial once: 3 greeting + 3 refund + 70 huge.
    expect(pages).toBe(3);
    expect(new Set(trials).size).toBe(76);
    expect(trials).toHaveLength(76);
    const failingOnly = (await (await get(`/api/runs/${encodeURIComponent(runId)}?case=refund&failing=1`)).json()) as RunReply;
    expect(failingOnly.trials.map((t) => t.output)).toEqual([HOSTILE, LONG]);
    expect((await get("/api/runs/nope")).status).toBe(404);
  });

  it("shows a case: pass rate per run with intervals, when it started failing, and its newest failing outputs", async () => {
    const res = await get("/jobs/support/cases/refund");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('data-points="5"');
    expect(html).toContain('class="band"');
    expect(html).toContain(`failing since <a href="/runs/${encodeURIComponent(runIds[2]!)}">2025-03-10 02:00Z</a>: 3 runs in a row`);
    expect(html).toContain(`last run without one: <a href="/runs/${encodeURIComponent(runIds[1]!)}">`);
    // The newest failing outputs, escaped, newest first.
    expect((html.match(/<article class="trial" data-case="refund"/g) ?? []).length).toBe(6);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    const healthy = await (await get("/jobs/support/cases/greeting")).text();
    expect(healthy).toContain("passing in the newest run");
    expect(healthy).toContain("No failure in the 5 runs shown.");
  });
});

describe("on-call pieces (pure)", () => {
  it("ranks cases worst first with Wilson intervals", () => {
    const ranked = rankCases([
      { id: "b", trials: 4, scored: 4, passes: 4, errors: 0 },
      { id: "a", trials: 4, scored: 4, passes: 1, errors: 0 },
      { id: "e", trials: 4, scored: 0, passes: 0, errors: 4 },
    ]);
    expect(ranked.map((c) => c.id)).toEqual(["e", "a", "b"]);
    expect(ranked[1]!.low).toBeGreaterThan(0);
    expect(ranked[1]!.high).toBeLessThan(1);
  });

  it("finds the current failing streak and says when it may have begun earlier", () => {
    const r = (id: string, passes: number) => ({ runId: id, startedAt: new Date(0), goldenHash: "h", passes, scored: 3, errors: 0 });
    expect(failingStreak([r("1", 3), r("2", 1), r("3", 3)])).toBeNull();
    expect(failingStreak([r("1", 3), r("2", 1), r("3", 2)])).toMatchObject({
      first: { runId: "2" },
      runs: 2,
      sinceAtLeast: false,
      lastPassing: { runId: "1" },
    });
    expect(failingStreak([r("1", 0), r("2", 1)])).toMatchObject({ first: { runId: "1" }, runs: 2, sinceAtLeast: true, lastPassing: null });
  });

  it("links the run page from Slack, PagerDuty and the webhook text when public_url is set, and not otherwise", () => {
    const url = runUrl("https://gw.example.com/", "run a/1");
    expect(url).toBe("https://gw.example.com/runs/run%20a%2F1");
    const context = {
      runId: "run a/1",
      accuracy: null,
      baseline: null,
      recent: [],
      failingCases: [],
      cost: null,
      sql: "select 1;",
      dashboardUrl: "https://gw.example.com/?job=support-hourly",
      runUrl: url,
    };
    const n: Notification = notificationFixture({ context });
    expect(plainText(n)).toContain(`run: ${url}`);
    const buttons = rootBlocks(n).find((b) => b.type === "actions") as { elements: { url: string; text: { text: string } }[] };
    expect(buttons.elements.map((e) => [e.text.text, e.url])).toEqual([
      ["Open run", url],
      ["Open dashboard", context.dashboardUrl],
    ]);
    expect(pagerDutyEvent(n, n.alerts[0]!, "k")).toMatchObject({ client_url: url, links: [{ href: url }, { href: context.dashboardUrl }] });
    // Without server.public_url: no links at all, as before.
    const bare = notificationFixture({ context: { ...context, dashboardUrl: null, runUrl: runUrl(undefined, "r") } });
    expect(plainText(bare)).not.toMatch(/run: |https?:/);
    expect(rootBlocks(bare).some((b) => b.type === "actions")).toBe(false);
    expect(pagerDutyEvent(bare, bare.alerts[0]!, "k")).not.toHaveProperty("links");
  });
});
