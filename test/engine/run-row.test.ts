import { describe, expect, it } from "vitest";
import { finishedRunRow, toRunRow } from "../../src/engine/run-row.ts";
import { summarize } from "../../src/engine/summary.ts";

const STARTED = new Date("2026-01-05T12:00:00Z");
const FINISHED = new Date("2026-01-05T12:01:30Z");

const judge = { model: "judge-1", verdicts: 4, cacheHits: 1, requests: 3, errors: 0, inputTokens: 900, outputTokens: 90, costUsd: 0.003 };

const summary = (over: { judge?: typeof judge; error?: string } = {}) =>
  summarize(
    {
      runId: "run-1",
      job: "support",
      agent: "bot",
      status: "completed",
      goldenName: "support",
      goldenHash: "hash-1",
      startedAt: STARTED,
      finishedAt: FINISHED,
      cases: 2,
      repeats: 2,
      ...over,
    },
    {
      cases: [
        { id: "a", trials: 2, scored: 2, passes: 2, errors: 0, budgetExceeded: 0, judgeErrors: 0, runaway: 0, runawayBy: {} },
        { id: "b", trials: 2, scored: 1, passes: 0, errors: 1, budgetExceeded: 1, judgeErrors: 0, runaway: 1, runawayBy: { tokens: 1 } },
      ],
      p50Ms: 100,
      p95Ms: 180,
      inputTokens: 400,
      outputTokens: 40,
      costUsd: 0.002,
      model: "m-1",
      fingerprint: "fp-1",
    },
  );

describe("finishedRunRow", () => {
  it("is every column a finished run sets, from its summary", () => {
    const s = summary({ judge });
    const acc = s.accuracy!;
    expect(finishedRunRow(s)).toEqual({
      status: "completed",
      finishedAt: FINISHED,
      heartbeatAt: FINISHED,
      trials: 4,
      scored: 3,
      passed: 2,
      errored: 1,
      budgetExceeded: 1,
      judgeErrors: 0,
      accuracy: acc.estimate,
      ciLow: acc.low,
      ciHigh: acc.high,
      ciMethod: acc.method,
      se: Number.isFinite(acc.se) ? acc.se : null,
      pooledLow: acc.pooled.low,
      pooledHigh: acc.pooled.high,
      errorRate: 0.25,
      p50Ms: 100,
      p95Ms: 180,
      inputTokens: 400,
      outputTokens: 40,
      costUsd: 0.002,
      judgeInputTokens: 900,
      judgeOutputTokens: 90,
      judgeCostUsd: 0.003,
      agentModel: "m-1",
      agentFingerprint: "fp-1",
      caseStats: s.perCase,
      error: null,
    });
  });

  it("without a judge or an accuracy: zero judge spend, null interval; the error when there is one", () => {
    const s = { ...summary({ error: "aborted before all trials finished" }), accuracy: null };
    expect(finishedRunRow(s)).toMatchObject({
      accuracy: null,
      ciLow: null,
      ciHigh: null,
      ciMethod: null,
      se: null,
      pooledLow: null,
      pooledHigh: null,
      judgeInputTokens: 0,
      judgeOutputTokens: 0,
      judgeCostUsd: 0,
      error: "aborted before all trials finished",
    });
  });
});

describe("toRunRow", () => {
  it("adds what identifies the run; its judge model is its judge's", () => {
    expect(toRunRow(summary({ judge }))).toMatchObject({
      id: "run-1",
      job: "support",
      agent: "bot",
      goldenName: "support",
      goldenHash: "hash-1",
      judgeModel: "judge-1",
      startedAt: STARTED,
      cases: 2,
      repeats: 2,
      status: "completed",
    });
    expect(toRunRow(summary()).judgeModel).toBeNull();
  });
});
