import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/agents/types.ts";
import { scoreTrial } from "../../src/scoring/score.ts";
import { observation } from "../helpers/fixtures.ts";

const obs = (output: string | null, extra: Partial<Observation> = {}): Observation =>
  observation({ output, usage: { inputTokens: 10, outputTokens: 5 }, model: "m", latencyMs: 120, costUsd: 0.002, ...extra });

const kase = { id: "c", input: "q" };
const signal = new AbortController().signal;
const check = async (type: string, arg: unknown, output: string | null, extra: Partial<Observation> = {}) => {
  const s = await scoreTrial([{ type, arg }], kase, obs(output, extra), signal);
  return s.assertions[0]!;
};

describe("deterministic assertions", () => {
  it.each([
    ["equals", "30 days", " 30 days ", true],
    ["equals", "30 days", "30 days or so", false],
    ["not_equals", "no", "yes", true],
    ["contains", "30 days", "within 30 days.", true],
    ["contains", "30 days", "within 30 Days.", false],
    ["icontains", "30 days", "within 30 DAYS.", true],
    ["not_contains", "guarantee", "I guarantee it", false],
    ["not_icontains", "guarantee", "no promises", true],
    ["regex", "\\$\\d+", "costs $29", true],
    ["regex", "/^yes$/i", "YES", true],
    ["not_regex", "\\d", "no digits", true],
    ["numeric", { value: 29, tolerance: 0.5 }, "It is 29.4 dollars", true],
    ["numeric", 1000, "1,000", true],
    ["numeric", { value: 29, tolerance: 0 }, "about thirty", false],
    ["json_schema", { type: "object", required: ["a"], properties: { a: { type: "number" } } }, '{"a": 1}', true],
    ["json_schema", { type: "object", required: ["a"] }, '{"b": 1}', false],
    ["json_schema", { type: "object" }, "not json", false],
  ])("%s %j on %j → %s", async (type, arg, output, passed) => {
    const r = await check(type, arg, output);
    expect(r.passed).toBe(passed);
    expect(r.reason.length).toBeGreaterThan(0);
  });

  it("checks latency and cost against the observation", async () => {
    expect((await check("max_latency_ms", 100, "x")).passed).toBe(false);
    expect((await check("max_latency_ms", 200, "x")).passed).toBe(true);
    expect((await check("max_cost_usd", 0.001, "x")).passed).toBe(false);
    expect((await check("max_cost_usd", 0.01, "x")).reason).toMatch(/≤/);
  });

  it("passes a trial only when every assertion passes, and stores each reason", async () => {
    const s = await scoreTrial(
      [
        { type: "contains", arg: "30" },
        { type: "not_contains", arg: "14" },
      ],
      kase,
      obs("30 days, not 14"),
      signal,
    );
    expect(s.status).toBe("fail");
    expect(s.score).toBe(0.5);
    expect(s.assertions.map((a) => a.passed)).toEqual([true, false]);
  });

  it("records agent errors as errors, not wrong answers", async () => {
    const s = await scoreTrial([{ type: "contains", arg: "x" }], kase, obs(null, { error: { kind: "timeout", message: "slow" } }), signal);
    expect(s.status).toBe("error");
    expect(s.assertions).toEqual([]);
  });
});
