// The engine's tally must say what the stored trials add up to: the same trials are stored and
// aggregated by the database (aggregateTrials), and the two must agree on every figure.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TrialTally } from "../../src/engine/tally.ts";
import type { Database } from "../../src/store/db.ts";
import { aggregateTrials, type TrialAggregates } from "../../src/store/runs.ts";
import { insertTrials, type TrialRow } from "../../src/store/trials.ts";
import { testDatabase } from "../helpers/db.ts";

let database: Database;
beforeAll(async () => {
  database = await testDatabase();
});
afterAll(() => database.close());

const loop = [{ kind: "loop", type: "no_loops", passed: false, reason: "search called 4 times" }];

/** A deterministic spread of trials: every status, runaway by bound and by loop, missing models and fingerprints. */
function trials(runId: string, n: number): TrialRow[] {
  const statuses = ["pass", "fail", "error", "budget_exceeded", "judge_error", "pass", "pass"] as const;
  const bounds = ["tokens", "usd", "steps", "ttl"];
  return Array.from({ length: n }, (_, i): TrialRow => {
    const status = statuses[i % statuses.length]!;
    const budget = status === "budget_exceeded";
    return {
      runId,
      caseId: `case-${i % 5}`,
      repeat: Math.floor(i / 5),
      startedAt: new Date(Date.UTC(2026, 10, 1) + i * 1000),
      latencyMs: ((i * 7919) % 1000) / 3,
      status,
      passed: status === "pass",
      score: status === "pass" ? 1 : 0,
      output: status === "error" ? null : `answer ${i}`,
      steps: null,
      inputTokens: 100 + (i % 13),
      outputTokens: 10 + (i % 7),
      costUsd: (i % 11) * 0.000137,
      model: i % 3 === 0 ? null : i % 3 === 1 ? "m-b" : "m-a",
      fingerprint: i % 4 === 0 ? "fp-2" : i % 4 === 1 ? null : "fp-1",
      errorKind: status === "error" ? "timeout" : null,
      errorMessage: budget
        ? i % 10 === 3
          ? "trial budget exceeded" // no bound named: counted as "budget"
          : `trial budget exceeded: 9 > 8 (budget.trial.${bounds[i % bounds.length]})`
        : status === "error"
          ? "no reply within 30 s"
          : null,
      // A loop on a trial within its budget; a budget trip that also looped counts by its bound.
      assertions: i % 6 === 1 || (budget && i % 4 === 3) ? loop : [{ type: "contains", passed: status === "pass", reason: "x" }],
    };
  });
}

const byId = (a: TrialAggregates) => ({ ...a, cases: [...a.cases].sort((x, y) => x.id.localeCompare(y.id)) });

describe("the tally of a run's trials", () => {
  it("agrees with the database's aggregates of the same stored trials, figure by figure", async () => {
    const runId = randomUUID();
    const rows = trials(runId, 700);
    await insertTrials(database.db, rows);
    const tally = new TrialTally();
    for (const row of rows) tally.add(row);
    const mine = byId(tally.result());
    const stored = byId(await aggregateTrials(database.db, runId));
    expect(mine.costUsd).toBeCloseTo(stored.costUsd, 12);
    expect({ ...mine, costUsd: 0 }).toEqual({ ...stored, costUsd: 0 });
    // Not vacuous: every kind of count and reason occurs.
    const all = mine.cases.reduce(
      (s, c) => ({ errors: s.errors + c.errors, judge: s.judge + c.judgeErrors, runaway: s.runaway + (c.runaway ?? 0) }),
      {
        errors: 0,
        judge: 0,
        runaway: 0,
      },
    );
    expect(all.errors * all.judge * all.runaway).toBeGreaterThan(0);
    expect(new Set(mine.cases.flatMap((c) => Object.keys(c.runawayBy ?? {})))).toEqual(
      new Set(["tokens", "usd", "steps", "ttl", "budget", "loop"]),
    );
  });

  it("a tie in the model's count goes to the one that sorts first, as the database's mode() says", async () => {
    const runId = randomUUID();
    const rows = trials(runId, 4).map((r, i) => ({
      ...r,
      status: "pass",
      model: i < 2 ? "m-b" : "m-a",
      fingerprint: i < 2 ? "fp-b" : "fp-a",
    }));
    await insertTrials(database.db, rows);
    const tally = new TrialTally();
    for (const row of rows) tally.add(row);
    expect(tally.result()).toMatchObject({ model: "m-a", fingerprint: "fp-a" });
    expect(await aggregateTrials(database.db, runId)).toMatchObject({ model: "m-a", fingerprint: "fp-a" });
  });

  it("counts models as stored: a NUL dropped, a lone surrogate as U+FFFD, ties in byte order", async () => {
    const runId = randomUUID();
    // "\uFF5F\u0000" is stored as "\uFF5F", which so has 3 against 2 for each of the others
    // (counted apart, the tie would go to U+FF5E). U+FF5E sorts before U+1F600 in UTF-8 (and in
    // "C"), though not in UTF-16 code units.
    const models = ["\uFF5F", "\uFF5F\u0000", "\uFF5F", "\u{1F600}", "\u{1F600}", "\uFF5E", "\uFF5E"];
    // Fingerprints tie 2–2 between "\uFFFD", reached from a lone surrogate, and "\u{1F600}".
    const prints = ["\uD800", "\uFFFD", "\u{1F600}", "\u{1F600}", null, null, null];
    const rows = trials(runId, models.length).map((r, i) => ({
      ...r,
      status: "pass",
      caseId: i < 2 ? "case\u0000" : "case",
      model: models[i]!,
      fingerprint: prints[i]!,
    }));
    await insertTrials(database.db, rows);
    const tally = new TrialTally();
    for (const row of rows) tally.add(row);
    const mine = byId(tally.result());
    expect(mine).toMatchObject({ model: "\uFF5F", fingerprint: "\uFFFD", cases: [{ id: "case", trials: 7 }] });
    expect({ ...mine, costUsd: 0 }).toEqual({ ...byId(await aggregateTrials(database.db, runId)), costUsd: 0 });
    // Without the U+FF5Fs: 2 each, and the tie goes to U+FF5E.
    const tied = new TrialTally();
    for (const row of rows.filter((r) => !r.model!.startsWith("\uFF5F"))) tied.add(row);
    expect(tied.result().model).toBe("\uFF5E");
  });

  it("a run without replies has no latency, model or fingerprint, as the database says", async () => {
    const runId = randomUUID();
    const rows = trials(runId, 14).map((r) => ({ ...r, status: "error", passed: false }));
    await insertTrials(database.db, rows);
    const tally = new TrialTally();
    for (const row of rows) tally.add(row);
    const mine = tally.result();
    expect(mine).toMatchObject({ p50Ms: null, p95Ms: null, model: null, fingerprint: null });
    expect(byId(mine)).toEqual(byId(await aggregateTrials(database.db, runId)));
  });
});
