import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpAgent } from "../../src/agents/http.ts";
import { agentSchema, configSchema, type HttpAgentConfig, type ShadowJobConfig } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { silentLogger } from "../../src/log.ts";
import type { AlertDeps } from "../../src/alerts/index.ts";
import { Events } from "../../src/engine/events.ts";
import { SHADOW_DETECTOR } from "../../src/shadow/findings.ts";
import { recordSample } from "../../src/shadow/record.ts";
import { runScheduledShadow } from "../../src/shadow/scheduled.ts";
import { runShadow, ShadowInputError, type ShadowDeps } from "../../src/shadow/run-shadow.ts";
import { queryRows, type Database } from "../../src/store/db.ts";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";
import { instantClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { firstPosition, garbage, honestPair, longer, startPairJudge, type PairBehaviour } from "./judge-stand-ins.ts";

let database: Database;
const servers: FakeServer[] = [];

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await database?.close();
});

/** An agent on loopback whose reply to input `q<i>` is `answer(i)` (or an HTTP 500 when it returns null). */
async function agentServer(answer: (i: number) => string | null): Promise<string> {
  const s = await startFakeServer((req, res) => {
    const i = Number(/q(\d+)/.exec((req.body as { input: string }).input)?.[1]);
    const out = answer(i);
    if (out === null) return json(res, 500, { error: "boom" });
    json(res, 200, { output: out, usage: { prompt_tokens: 100, completion_tokens: 50 } });
  });
  servers.push(s);
  return s.url;
}

const agentConfig = (url: string) =>
  agentSchema.parse({
    kind: "http",
    url,
    response: { output: "$.output", input_tokens: "$.usage.prompt_tokens", output_tokens: "$.usage.completion_tokens" },
    pricing: { input_per_mtok: 1, output_per_mtok: 2 },
  }) as HttpAgentConfig;

/** The config parts a shadow run reads: a job with defaults, a judge on `judgeUrl`. */
function setup(judgeUrl: string, job: Record<string, unknown> = {}) {
  const cfg = configSchema.parse({
    agents: { cand: { kind: "demo" }, inc: { kind: "demo" } },
    judge: { base_url: judgeUrl, model: "gpt-4o-2024-08-06", pricing: { input_per_mtok: 2.5, output_per_mtok: 10 } },
    shadow: { jobs: { canary: { candidate: "cand", incumbent: "inc", sample: 40, ...job } } },
  });
  return { judge: cfg.judge!, job: cfg.shadow.jobs.canary! as ShadowJobConfig, sampling: cfg.shadow.sampling };
}

let agentSeq = 0;
/** Fresh agent names per test, so each test's samples are its own. */
async function scenario(opts: {
  inputs: number;
  candidate: (i: number) => string | null;
  incumbent: (i: number) => string | null;
  judge: PairBehaviour;
  job?: Record<string, unknown>;
}) {
  const judgeServer = await startPairJudge(opts.judge);
  servers.push(judgeServer);
  const [candUrl, incUrl] = await Promise.all([agentServer(opts.candidate), agentServer(opts.incumbent)]);
  const inc = `inc${++agentSeq}`;
  const { judge, job, sampling } = setup(judgeServer.url, opts.job);
  const deps: ShadowDeps = {
    db: database.db,
    clock: instantClock,
    log: silentLogger(),
    secrets: new Secrets(),
    judge,
    agent: (name) => createHttpAgent(name, agentConfig(name === "cand" ? candUrl : incUrl)),
  };
  for (let i = 0; i < opts.inputs; i++) {
    await recordSample(
      { db: database.db, clock: instantClock, sampling: () => sampling },
      { agent: inc, source: "api", input: `question q${i}` },
    );
  }
  const shadowJob = { ...job, incumbent: "inc", inputs_from: inc };
  const run = () => runShadow(deps, { jobName: "canary", job: shadowJob, trigger: "manual" });
  return { run, judgeServer, deps, shadowJob };
}

describe("shadow runs against local judge stand-ins", () => {
  it("a judge that always prefers the first position: all ties, win rate ½, swap consistency 0, no pass", async () => {
    const { run, judgeServer } = await scenario({
      inputs: 30,
      candidate: (i) => `cand answer ${i}`,
      incumbent: (i) => `inc answer ${i} longer`,
      judge: firstPosition,
    });
    const r = await run();
    const s = r.summary;
    expect(s.pairs).toBe(30);
    expect(s.ties).toBe(30);
    expect(s.flips).toBe(30);
    expect(s.winRate.estimate).toBe(0.5);
    expect(s.swapConsistency).toBe(0);
    expect(s.tieRate).toBe(1);
    expect(s.decision.decision).toBe("inconclusive");
    // Both orders were asked for every pair.
    expect(judgeServer.requests).toHaveLength(60);
    const [row] = await queryRows<{ decision: string; win_rate: number; swap_consistency: number; ties: number }>(
      database.db,
      sql`select decision, win_rate, swap_consistency, ties from shadow_summary where run_id = ${r.runId}`,
    );
    expect(row).toEqual({ decision: "inconclusive", win_rate: 0.5, swap_consistency: 0, ties: 30 });
    const pairs = await queryRows<{ final: string; consistent: boolean; score: number; input: string }>(
      database.db,
      sql`select final, consistent, score, input from shadow_pairs where run_id = ${r.runId}`,
    );
    expect(pairs).toHaveLength(30);
    expect(pairs.every((p) => p.final === "tie" && p.consistent === false && p.score === 0.5)).toBe(true);
    expect(pairs[0]!.input).toMatch(/^question q\d+$/);
  });

  it("a judge that prefers longer answers: the raw win rate favours the longer candidate, the length-controlled one does not", async () => {
    // Candidate longer on most inputs by varying amounts, shorter on some, equal on a few.
    const diffs = [-60, -30, -10, 0, 0, 0, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200, -50, 25, 70];
    const { run } = await scenario({
      inputs: diffs.length,
      candidate: (i) => "c".repeat(200 + diffs[i]!),
      incumbent: () => "i".repeat(200),
      judge: longer,
    });
    const r = await run();
    const s = r.summary;
    expect(s.swapConsistency).toBe(1);
    expect(s.winRate.estimate).toBeGreaterThan(0.7);
    expect(s.lengthDifference.estimate).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / diffs.length, 6);
    expect(Math.abs(s.lengthControlled.winRate - 0.5)).toBeLessThan(0.1);
    expect(s.lengthControlled.low).toBeLessThan(0.5);
    expect(s.lengthControlled.high).toBeGreaterThan(0.5);
    expect(s.lengthControlled.slopePer100).toBeGreaterThan(1);
  });

  it("a judge that answers garbage: judge errors, not verdicts, and its spend counted apart", async () => {
    const { run, judgeServer } = await scenario({ inputs: 5, candidate: (i) => `a${i}`, incumbent: (i) => `b${i}`, judge: garbage });
    const r = await run();
    expect(r.summary.judgeErrors).toBe(5);
    expect(r.summary.wins + r.summary.losses + r.summary.ties).toBe(0);
    expect(r.summary.decision.decision).toBe("inconclusive");
    // Each order asked twice (one retry for a reply that does not fit).
    expect(judgeServer.requests).toHaveLength(20);
    expect(r.spend.judge.errors).toBe(10);
    expect(r.spend.judge.costUsd).toBeCloseTo((20 * (500 * 2.5 + 30 * 10)) / 1e6, 12);
    expect(r.spend.candidateUsd).toBeCloseTo((5 * (100 * 1 + 50 * 2)) / 1e6, 12);
    const rows = await queryRows<{ judge_error: string; final: string | null }>(
      database.db,
      sql`select judge_error, final from shadow_pairs where run_id = ${r.runId}`,
    );
    expect(rows.every((x) => x.final === null && /not JSON/.test(x.judge_error))).toBe(true);
  });

  it("an honest judge: a better candidate passes, a worse one fails, and a candidate without a reply forfeits", async () => {
    const better = await scenario({
      inputs: 30,
      candidate: (i) => `ok [correct] ${i}`,
      incumbent: (i) => (i % 3 === 0 ? `ok [correct] ${i}` : `meh ${i}`),
      judge: honestPair,
    });
    const good = await better.run();
    expect(good.summary.decision.decision).toBe("pass");
    expect(good.summary.swapConsistency).toBe(1);
    const worse = await scenario({
      inputs: 30,
      candidate: (i) => (i % 5 === 0 ? null : `meh ${i}`),
      incumbent: (i) => `ok [correct] ${i}`,
      judge: honestPair,
      job: { margin: 0.1 },
    });
    const bad = await worse.run();
    expect(bad.summary.forfeits).toBe(6);
    expect(bad.summary.losses).toBe(30);
    expect(bad.summary.decision.decision).toBe("fail");
  });

  it("judge verdicts are cached: the same replies again ask the judge nothing", async () => {
    const { run, judgeServer } = await scenario({
      inputs: 4,
      candidate: (i) => `x [correct] ${i}`,
      incumbent: (i) => `y ${i}`,
      judge: honestPair,
    });
    await run();
    const asked = judgeServer.requests.length;
    const again = await run();
    expect(judgeServer.requests.length).toBe(asked);
    expect(again.spend.judge.cacheHits).toBe(8);
    expect(again.summary.wins).toBe(4);
  });

  it("the run budget (agents and judge together) stops new pairs", async () => {
    const { run } = await scenario({
      inputs: 20,
      candidate: (i) => `x ${i}`,
      incumbent: (i) => `y ${i}`,
      judge: longer,
      job: { concurrency: 1, budget: { run: { usd: 0.005 } } },
    });
    const r = await run();
    expect(r.status).toBe("budget_exhausted");
    expect(r.summary.pairs).toBeLessThan(20);
    expect(r.summary.pairs).toBeGreaterThan(0);
  });

  it("judge reasons are stored with personal data replaced when sampling redacts", async () => {
    const quoting: PairBehaviour = () => ({ winner: "tie", reason: "Both tell jane.doe@example.com the same." });
    const { deps, shadowJob } = await scenario({ inputs: 3, candidate: (i) => `a${i}`, incumbent: (i) => `b${i}`, judge: quoting });
    const r = await runShadow({ ...deps, redactPii: true }, { jobName: "canary", job: shadowJob, trigger: "manual" });
    const rows = await queryRows<{ reason_candidate_first: string; reason_incumbent_first: string }>(
      database.db,
      sql`select reason_candidate_first, reason_incumbent_first from shadow_pairs where run_id = ${r.runId}`,
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.reason_candidate_first).toMatch(/^Both tell .+ the same\.$/);
      expect(`${row.reason_candidate_first} ${row.reason_incumbent_first}`).not.toContain("jane.doe@example.com");
    }
  });

  it("too few samples is an input error naming the agent", async () => {
    const { run } = await scenario({ inputs: 1, candidate: () => "a", incumbent: () => "b", judge: longer });
    await expect(run()).rejects.toThrow(ShadowInputError);
    await expect(run()).rejects.toThrow(/only 1 sampled input for agent "inc\d+"/);
  });

  it("scheduled: a candidate below non-inferiority fires the alert (and pages); passes resolve it", async () => {
    let candidateGood = false;
    let candidateSilent = false;
    const { deps, shadowJob } = await scenario({
      inputs: 30,
      candidate: (i) => (candidateSilent ? null : candidateGood ? `ok [correct] ${i}` : `meh ${i}`),
      incumbent: (i) => `ok [correct] ${i}`,
      judge: honestPair,
    });
    const notify = configSchema.parse({ agents: {}, notify: { console: true } }).notify;
    const alerts: AlertDeps = {
      db: database.db,
      clock: instantClock,
      log: silentLogger(),
      events: new Events(),
      secrets: new Secrets(),
      notify: () => notify,
      publicUrl: () => undefined,
    };
    const sched = { shadow: deps, alerts, jobs: () => ({ canary: shadowJob }) };
    const state = async () =>
      (
        await queryRows<{ state: string; agent: string }>(
          database.db,
          sql`select state, agent from alerts where job = 'canary' and detector = ${SHADOW_DETECTOR}`,
        )
      )[0];
    const failed = await runScheduledShadow(sched, "canary", {});
    expect(failed!.summary.decision.decision).toBe("fail");
    expect(await state()).toEqual({ state: "firing", agent: "cand" });
    const [outbox] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from alert_outbox`);
    expect(outbox!.n).toBeGreaterThan(0);
    // Every candidate reply missing: the candidate forfeits all, which is a fail again, not a clear.
    candidateSilent = true;
    expect((await runScheduledShadow(sched, "canary", {}))!.summary.decision.decision).toBe("fail");
    candidateSilent = false;
    candidateGood = true;
    expect((await runScheduledShadow(sched, "canary", {}))!.summary.decision.decision).toBe("pass");
    expect((await state())!.state).toBe("firing");
    await runScheduledShadow(sched, "canary", {});
    expect((await state())!.state).toBe("resolved");
    expect(await runScheduledShadow(sched, "removed-job", {})).toBeUndefined();
  });
});
