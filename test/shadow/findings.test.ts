import { describe, expect, it } from "vitest";
import { SHADOW_DETECTOR, shadowFindings } from "../../src/shadow/findings.ts";
import type { JudgedPair } from "../../src/shadow/pair.ts";
import { buildResult } from "../../src/shadow/run-shadow.ts";
import type { Preference } from "../../src/stats/pairwise.ts";

const judge = { model: "m", verdicts: 0, cacheHits: 0, requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, costUsd: 0.5 };
const job = { margin: 0.05, alpha: 0.05, min_consistency: 0.5, repeats: 1 };

/** n pairs, each with `pref` in both orders, one input each. */
function pairs(prefs: Preference[]): JudgedPair[] {
  return prefs.map((p, i) => ({
    observation: { cluster: `s${i}`, candidateFirst: p, incumbentFirst: p, candidateLength: 10, incumbentLength: 12 },
    row: {
      sampleId: `s${i}`,
      repeat: 1,
      candidateCostUsd: 0.01,
      incumbentCostUsd: 0.02,
      candidateLatencyMs: 100 + i,
      incumbentLatencyMs: 200 + i,
    },
  }));
}

describe("shadowFindings", () => {
  it("a fail is one critical finding for the candidate, with the evidence", () => {
    const r = buildResult("run-1", "canary", "cand", "inc", pairs([...Array(25).fill("incumbent"), ...Array(5).fill("tie")]), job, judge);
    const f = shadowFindings(r);
    expect(f).toHaveLength(1);
    expect(f![0]).toMatchObject({ detector: SHADOW_DETECTOR, job: "canary", agent: "cand", severity: "critical" });
    expect(f![0]!.summary).toMatch(/cand is worse than inc/);
    expect(f![0]!.evidence).toMatchObject({ runId: "run-1", incumbent: "inc", pairs: 30, threshold: 0.45 });
  });

  it("a pass clears (no findings); inconclusive and a partial run decide nothing", () => {
    const pass = buildResult("r", "canary", "cand", "inc", pairs(Array(30).fill("candidate")), job, judge);
    expect(pass.summary.decision.decision).toBe("pass");
    expect(shadowFindings(pass)).toEqual([]);
    const unsure = buildResult("r", "canary", "cand", "inc", pairs(["candidate", "incumbent", "tie", "incumbent"]), job, judge);
    expect(unsure.summary.decision.decision).toBe("inconclusive");
    expect(shadowFindings(unsure)).toBeUndefined();
    expect(shadowFindings({ ...pass, status: "budget_exhausted" })).toBeUndefined();
  });

  it("buildResult: agents' spend apart from the judge's, cost and latency paired by input", () => {
    const r = buildResult("r", "canary", "cand", "inc", pairs(Array(4).fill("tie")), job, judge);
    expect(r.spend.candidateUsd).toBeCloseTo(0.04, 12);
    expect(r.spend.incumbentUsd).toBeCloseTo(0.08, 12);
    expect(r.spend.judge.costUsd).toBe(0.5);
    expect(r.cost.costRatio).toBeCloseTo(0.5, 12);
    expect(r.cost.costDifference!.estimate).toBeCloseTo(-0.01, 12);
    expect(r.cost.candidateP95Ms).toBeLessThan(r.cost.incumbentP95Ms!);
    expect(r.inputs).toBe(4);
  });
});
