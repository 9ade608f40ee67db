import { describe, expect, it } from "vitest";
import { goldenSchema } from "../../src/load/golden.ts";
import { scoreTrial } from "../../src/scoring/score.ts";
import type { AssertionSpec } from "../../src/scoring/types.ts";
import { observation } from "../helpers/fixtures.ts";

const signal = new AbortController().signal;

/** One assertion, parsed as a golden set would be, on a reply with this output. */
async function check(assertion: Record<string, unknown>, output: string | null) {
  const golden = goldenSchema.parse({ name: "t", cases: [{ id: "c", input: "q", assert: [assertion] }] });
  const s = await scoreTrial(golden.cases[0]!.assert as AssertionSpec[], { id: "c", input: "q" }, observation({ output }), signal);
  return s.assertions[0]!;
}

describe("equals and not_equals", () => {
  it("equals compares the trimmed output with the trimmed expectation", async () => {
    expect(await check({ equals: "30 days" }, "  30 days\n")).toEqual({ type: "equals", passed: true, reason: "output equals expected" });
    expect(await check({ equals: " 30 days " }, "30 days")).toMatchObject({ passed: true });
    expect(await check({ equals: "30 days" }, "30 Days")).toEqual({
      type: "equals",
      passed: false,
      reason: 'output "30 Days" is not "30 days"',
    });
    expect(await check({ equals: "" }, null)).toMatchObject({ passed: true });
  });

  it("not_equals fails on the same answer, whitespace aside, and passes on any other", async () => {
    expect(await check({ not_equals: "I don't know" }, "I don't know")).toEqual({
      type: "not_equals",
      passed: false,
      reason: 'output equals "I don\'t know"',
    });
    expect(await check({ not_equals: "I don't know" }, "  I don't know \n")).toMatchObject({ passed: false });
    expect(await check({ not_equals: " I don't know " }, "I don't know")).toMatchObject({ passed: false });
    expect(await check({ not_equals: "I don't know" }, "30 days")).toEqual({ type: "not_equals", passed: true, reason: "output differs" });
    expect(await check({ not_equals: "I don't know" }, "I don't know yet")).toMatchObject({ passed: true });
    // No output at all is the empty answer.
    expect(await check({ not_equals: "" }, null)).toMatchObject({ passed: false });
    expect(await check({ not_equals: "x" }, null)).toMatchObject({ passed: true });
  });

  it("quotes long values cut at 80 characters", async () => {
    const long = "a".repeat(100);
    expect((await check({ not_equals: long }, long)).reason).toBe(`output equals "${"a".repeat(80)}…"`);
    const exactly80 = "b".repeat(80);
    expect((await check({ not_equals: exactly80 }, exactly80)).reason).toBe(`output equals "${exactly80}"`);
  });
});

describe("contains and friends", () => {
  it("contains is case-sensitive, icontains is not", async () => {
    expect(await check({ contains: "30 days" }, "within 30 days.")).toEqual({
      type: "contains",
      passed: true,
      reason: 'contains "30 days"',
    });
    expect(await check({ contains: "30 days" }, "within 30 Days.")).toEqual({
      type: "contains",
      passed: false,
      reason: 'does not contain "30 days"',
    });
    expect(await check({ icontains: "30 DAYS" }, "within 30 days.")).toEqual({
      type: "icontains",
      passed: true,
      reason: 'contains "30 DAYS" (any case)',
    });
    expect(await check({ icontains: "30 days" }, "within thirty days.")).toMatchObject({
      passed: false,
      reason: 'does not contain "30 days" (any case)',
    });
  });

  it("not_contains and not_icontains fail on the phrase", async () => {
    expect(await check({ not_contains: "guarantee" }, "I guarantee it")).toEqual({
      type: "not_contains",
      passed: false,
      reason: 'contains "guarantee"',
    });
    expect(await check({ not_contains: "guarantee" }, "I GUARANTEE it")).toMatchObject({ passed: true, reason: 'free of "guarantee"' });
    expect(await check({ not_icontains: "guarantee" }, "I GUARANTEE it")).toEqual({
      type: "not_icontains",
      passed: false,
      reason: 'contains "guarantee" (any case)',
    });
    expect(await check({ not_icontains: "guarantee" }, null)).toMatchObject({ passed: true });
  });

  it("regex and not_regex search the output", async () => {
    expect(await check({ regex: "\\d+ days" }, "within 30 days")).toEqual({ type: "regex", passed: true, reason: "matches \\d+ days" });
    expect(await check({ regex: "^\\d+ days$" }, "within 30 days")).toMatchObject({ passed: false, reason: "does not match ^\\d+ days$" });
    expect(await check({ not_regex: "\\d" }, "no digits")).toEqual({ type: "not_regex", passed: true, reason: "does not match \\d" });
    expect(await check({ not_regex: "\\d" }, "1 digit")).toMatchObject({ passed: false, reason: "matches \\d" });
  });

  it("rejects an empty phrase and a broken regex when the golden set is read", () => {
    const parse = (assertion: unknown) => goldenSchema.safeParse({ name: "t", cases: [{ id: "c", input: "q", assert: [assertion] }] });
    expect(parse({ contains: "" }).success).toBe(false);
    const bad = parse({ regex: "(" });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain("expected a regular expression");
  });
});
