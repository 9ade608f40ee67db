import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { silentLogger } from "../../src/log.ts";
import { startService } from "../../src/service.ts";
import { insertTrials } from "../../src/store/trials.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { configYaml, loadTestConfig } from "../service/fixtures.ts";
import { seedRun } from "./seed.ts";

describe("goldwatch serve: the on-call pages", () => {
  it("serves the run page and the runs API behind the read token, with the case input from the loaded golden set", async () => {
    // A schedule that will not fire during the test.
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 0 1 1 *" } }));
    await using database = await testDatabase();
    const at = new Date("2025-03-14T10:00:00Z");
    const hash = loaded.goldens.get("probe")!.hash;
    const runId = await seedRun(database.db, { job: "probe", at, goldenHash: hash, cases: [{ id: "fast", passes: 0, scored: 1 }] });
    const old = await seedRun(database.db, {
      job: "probe",
      at: new Date(at.getTime() - 3_600_000),
      goldenHash: "older",
      cases: [{ id: "fast", passes: 0, scored: 1 }],
    });
    await insertTrials(
      database.db,
      [runId, old].map((id, i) => ({
        runId: id,
        caseId: "fast",
        repeat: 0,
        startedAt: new Date(at.getTime() - i * 3_600_000 + 1000),
        latencyMs: 10,
        status: "fail",
        passed: false,
        score: 0,
        output: "not it",
        inputTokens: 1,
        outputTokens: 1,
        costUsd: 0,
        assertions: [{ type: "contains", passed: false, reason: `output does not contain "ok"` }],
      })),
    );
    const app = createApp(loaded, database, silentLogger(), new ManualClock(new Date("2025-03-14T12:00:00Z")));
    await using service = await startService(app, { watch: false, env: { GOLDWATCH_READ_TOKEN: "read-token-123" } });
    const url = (p: string) => `http://127.0.0.1:${service.port}${p}`;
    const auth = { authorization: "Bearer read-token-123" };

    // Reads need the token, as the dashboard does.
    expect((await fetch(url(`/runs/${encodeURIComponent(runId)}`))).status).toBe(401);
    expect((await fetch(url("/api/runs?job=probe"))).status).toBe(401);

    const page = await fetch(url(`/runs/${encodeURIComponent(runId)}`), { headers: auth });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("fast question");
    expect(html).toContain("output does not contain &quot;ok&quot;");
    // A run of another golden-set version: the input is not guessed from the current one.
    const older = await (await fetch(url(`/runs/${encodeURIComponent(old)}`), { headers: auth })).text();
    expect(older).not.toContain("fast question");
    expect(older).toContain("input not shown: the golden set loaded now is not the version this run replayed");

    const api = (await (await fetch(url("/api/runs?job=probe&limit=1"), { headers: auth })).json()) as {
      runs: { id: string }[];
      next_url: string;
    };
    expect(api.runs.map((r) => r.id)).toEqual([runId]);
    const rest = (await (await fetch(url(api.next_url), { headers: auth })).json()) as { runs: { id: string }[]; next_url: null };
    expect(rest.runs.map((r) => r.id)).toEqual([old]);
    expect(rest.next_url).toBeNull();
    const one = (await (await fetch(url(`/api/runs/${encodeURIComponent(runId)}`), { headers: auth })).json()) as {
      trials: { output: string }[];
    };
    expect(one.trials.map((t) => t.output)).toEqual(["not it"]);
  });
});
