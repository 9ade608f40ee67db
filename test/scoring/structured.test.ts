import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/agents/types.ts";
import { goldenSchema } from "../../src/load/golden.ts";
import { scoreTrial } from "../../src/scoring/score.ts";
import type { AssertionSpec } from "../../src/scoring/types.ts";
import { observation } from "../helpers/fixtures.ts";

const signal = new AbortController().signal;
const parse = (assertion: unknown) => goldenSchema.safeParse({ name: "t", cases: [{ id: "c", input: "q", assert: [assertion] }] });

/** One assertion, parsed as a golden set would be, on a reply with `over` applied. */
async function check(assertion: Record<string, unknown>, over: Partial<Observation>) {
  const golden = goldenSchema.parse({ name: "t", cases: [{ id: "c", input: "q", assert: [assertion] }] });
  const s = await scoreTrial(golden.cases[0]!.assert as AssertionSpec[], { id: "c", input: "q" }, observation(over), signal);
  return s.assertions[0]!;
}

describe("numeric", () => {
  it("fails on a wrong number", async () => {
    expect(await check({ numeric: 42 }, { output: "41" })).toEqual({ type: "numeric", passed: false, reason: "41 is not within 0 of 42" });
    expect(await check({ numeric: 42 }, { output: "The answer is 43." })).toMatchObject({ passed: false });
    expect(await check({ numeric: 42 }, { output: "-42" })).toMatchObject({ passed: false });
    expect(await check({ numeric: 42 }, { output: "42" })).toEqual({ type: "numeric", passed: true, reason: "42 is within 0 of 42" });
  });

  it("passes within the tolerance, its edge included, on either side", async () => {
    const arg = { numeric: { value: 10, tolerance: 0.5 } };
    expect(await check(arg, { output: "10.5" })).toMatchObject({ passed: true, reason: "10.5 is within 0.5 of 10" });
    expect(await check(arg, { output: "9.5" })).toMatchObject({ passed: true });
    expect(await check(arg, { output: "10.6" })).toMatchObject({ passed: false, reason: "10.6 is not within 0.5 of 10" });
    expect(await check(arg, { output: "9.4" })).toMatchObject({ passed: false });
    // A tolerance left out is 0.
    expect(await check({ numeric: { value: 10 } }, { output: "10.01" })).toMatchObject({ passed: false });
  });

  it("reads the whole output as a number, else the first number in it", async () => {
    expect(await check({ numeric: 1000 }, { output: "1,000" })).toMatchObject({ passed: true });
    expect(await check({ numeric: 1234.5 }, { output: "Total: 1,234.5 USD, 2 items" })).toMatchObject({ passed: true });
    expect(await check({ numeric: 0.00012 }, { output: " 1.2e-4 " })).toMatchObject({ passed: true });
    expect(await check({ numeric: -3 }, { output: "down -3 points" })).toMatchObject({ passed: true });
    // Exponents inside a sentence, with or without a sign, of any length.
    expect(await check({ numeric: 12000 }, { output: "about 1.2e4 units" })).toMatchObject({ passed: true });
    expect(await check({ numeric: 1e15 }, { output: "about 1e15 stars" })).toMatchObject({ passed: true });
    expect(await check({ numeric: 0.0012 }, { output: "rate 1.2e-3 per call" })).toMatchObject({ passed: true });
    // Blank output is no number, not zero.
    expect(await check({ numeric: 0 }, { output: "   " })).toMatchObject({ passed: false, reason: "output has no number" });
    // A bare ".5" is the number 0.5 (the token search alone would read 5).
    expect(await check({ numeric: 0.5 }, { output: ".5" })).toMatchObject({ passed: true });
    expect(await check({ numeric: 29 }, { output: "about thirty" })).toEqual({
      type: "numeric",
      passed: false,
      reason: "output has no number",
    });
    expect(await check({ numeric: 0 }, { output: null })).toMatchObject({ passed: false, reason: "output has no number" });
  });

  it("rejects a negative tolerance or unknown keys when the golden set is read", () => {
    expect(parse({ numeric: { value: 1, tolerance: -1 } }).success).toBe(false);
    expect(parse({ numeric: { value: 1, within: 1 } }).success).toBe(false);
    expect(parse({ numeric: "1" }).success).toBe(false);
  });
});

describe("json_schema", () => {
  const schema = { type: "object", required: ["a"], properties: { a: { type: "number" } } };

  it("passes on matching JSON and names the first mismatch", async () => {
    expect(await check({ json_schema: schema }, { output: '{"a": 1}' })).toEqual({
      type: "json_schema",
      passed: true,
      reason: "output matches the schema",
    });
    expect(await check({ json_schema: schema }, { output: '{"a": "one"}' })).toEqual({
      type: "json_schema",
      passed: false,
      reason: "output does not match the schema: /a must be number",
    });
    expect(await check({ json_schema: schema }, { output: "{}" })).toMatchObject({
      passed: false,
      reason: "output does not match the schema: / must have required property 'a'",
    });
    expect(await check({ json_schema: schema }, { output: "not json" })).toEqual({
      type: "json_schema",
      passed: false,
      reason: "output is not JSON",
    });
    expect(await check({ json_schema: schema }, { output: null })).toMatchObject({ passed: false, reason: "output is not JSON" });
  });

  it("rejects an invalid schema when the golden set is read", () => {
    const bad = parse({ json_schema: { type: "no-such-type" } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain("expected a valid JSON Schema");
  });
});

describe("max_latency_ms and max_cost_usd", () => {
  it("pass at the limit and fail beyond it", async () => {
    expect(await check({ max_latency_ms: 500 }, { latencyMs: 500 })).toEqual({
      type: "max_latency_ms",
      passed: true,
      reason: "500 ms ≤ 500 ms",
    });
    expect(await check({ max_latency_ms: 500 }, { latencyMs: 500.4 })).toEqual({
      type: "max_latency_ms",
      passed: false,
      reason: "500 ms > 500 ms",
    });
    expect(await check({ max_cost_usd: 0.01 }, { costUsd: 0.01 })).toEqual({
      type: "max_cost_usd",
      passed: true,
      reason: "$0.010000 ≤ $0.01",
    });
    expect(await check({ max_cost_usd: 0.01 }, { costUsd: 0.010001 })).toMatchObject({ passed: false, reason: "$0.010001 > $0.01" });
  });

  it("reject a zero latency limit and a negative cost limit", () => {
    expect(parse({ max_latency_ms: 0 }).success).toBe(false);
    expect(parse({ max_cost_usd: -0.01 }).success).toBe(false);
    expect(parse({ max_cost_usd: 0 }).success).toBe(true);
  });
});
