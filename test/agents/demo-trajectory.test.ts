import path from "node:path";
import { describe, expect, it } from "vitest";
import { createDemoAgent } from "../../src/agents/demo.ts";
import { assertionsOf } from "../../src/load/golden.ts";
import { loadGolden } from "../../src/load/load.ts";
import { agentSchema, type DemoAgentConfig } from "../../src/config/schema.ts";
import { scoreTrial } from "../../src/scoring/score.ts";

const signal = new AbortController().signal;
const demo = (extra: Record<string, unknown>, random: () => number) =>
  createDemoAgent("demo", agentSchema.parse({ kind: "demo", latency: 0, ...extra }) as DemoAgentConfig, random);

async function scoreAll(agent: ReturnType<typeof demo>) {
  const golden = await loadGolden(path.resolve("golden/demo-support.yaml"));
  const out: Record<string, Awaited<ReturnType<typeof scoreTrial>>> = {};
  for (const kase of golden.cases) {
    const obs = await agent.call({ input: kase.input, caseId: kase.id, trialId: "t", signal });
    out[kase.id] = await scoreTrial(
      assertionsOf(kase),
      { id: kase.id, input: kase.input, expected: kase.expected, context: kase.context },
      obs,
      signal,
    );
  }
  return out;
}

describe("the demo golden set's trajectory assertions", () => {
  it("are all met by a demo bot that answers right", async () => {
    const scores = await scoreAll(demo({ quality: 1 }, () => 0));
    for (const [id, s] of Object.entries(scores))
      expect(s.status, `${id}: ${JSON.stringify(s.assertions.filter((a) => !a.passed))}`).toBe("pass");
  });

  it("catch the invented warranty answer after an empty search", async () => {
    const scores = await scoreAll(demo({ quality: 0 }, () => 0.5));
    const failed = scores["no-results"]!.assertions.filter((a) => !a.passed).map((a) => a.type);
    expect(failed).toContain("handles_tool_error");
  });

  it("fail a demo bot whose cost multiplier makes it search in a loop", async () => {
    const scores = await scoreAll(demo({ quality: 1, cost_multiplier: 4 }, () => 0));
    const refund = scores["refund-window"]!;
    expect(refund.status).toBe("fail");
    expect(refund.assertions.find((a) => a.kind === "loop")?.reason).toContain("search_kb");
    // Twice the searches is not yet a loop.
    expect((await scoreAll(demo({ quality: 1, cost_multiplier: 2 }, () => 0)))["refund-window"]!.status).toBe("pass");
  });
});
