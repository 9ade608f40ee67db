// no_pii as a golden-set assertion, scored without a database.
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/agents/types.ts";
import { goldenSchema } from "../../src/load/golden.ts";
import { scoreTrial } from "../../src/scoring/score.ts";
import type { AssertionSpec } from "../../src/scoring/types.ts";
import { observation } from "../helpers/fixtures.ts";

const signal = new AbortController().signal;
const parse = (arg: unknown) => goldenSchema.safeParse({ name: "t", cases: [{ id: "c", input: "q", assert: [{ no_pii: arg }] }] });

async function check(arg: unknown, over: Partial<Observation>) {
  const golden = goldenSchema.parse({ name: "t", cases: [{ id: "c", input: "q", assert: [{ no_pii: arg }] }] });
  const s = await scoreTrial(golden.cases[0]!.assert as AssertionSpec[], { id: "c", input: "q" }, observation(over), signal);
  return s.assertions[0]!;
}

describe("no_pii", () => {
  it("passes on a clean answer, and on no answer", async () => {
    expect(await check(true, { output: "Annual plans can be refunded within 30 days." })).toEqual({
      type: "no_pii",
      passed: true,
      reason: "no personal data or secrets found",
    });
    expect(await check(true, { output: null })).toMatchObject({ passed: true });
  });

  it("fails naming the kinds found and how often, never the values", async () => {
    const output = "Mail jane.doe@example.com or john@example.org, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnopqrstuvwx";
    const r = await check(true, { output });
    expect(r).toEqual({ type: "no_pii", passed: false, reason: "found 2× email, card (visa), api_key (openai)" });
    for (const secret of ["jane.doe", "example", "4111", "sk-proj"]) expect(r.reason).not.toContain(secret);
  });

  it("looks only for the kinds asked for", async () => {
    const output = "Call +44 20 7946 0958 or write to jane@example.com";
    expect(await check({ kinds: ["email"] }, { output })).toMatchObject({ passed: false, reason: "found email" });
    expect(await check({ kinds: ["card", "ssn"] }, { output })).toMatchObject({ passed: true });
    expect(await check(true, { output })).toMatchObject({ passed: false, reason: "found phone, email" });
  });

  it("reads national phone numbers in phone_region (US by default)", async () => {
    const output = "Ring us on 020 7946 0958.";
    expect(await check({ kinds: ["phone"] }, { output })).toMatchObject({ passed: true });
    expect(await check({ kinds: ["phone"], phone_region: "GB" }, { output })).toMatchObject({ passed: false, reason: "found phone" });
    expect(await check({ kinds: ["phone"] }, { output: "Call (415) 555-2671." })).toMatchObject({ passed: false });
  });

  it("checks tool-call arguments only with steps: true", async () => {
    const over = { output: "Done.", steps: [{ tool: "crm_lookup", args: { email: "jane@example.com" } }] };
    expect(await check(true, over)).toMatchObject({ passed: true });
    expect(await check({ steps: true }, over)).toMatchObject({ passed: false, reason: "found email" });
    expect(await check({ steps: true }, { output: "Done.", steps: [{ tool: "noop" }] })).toMatchObject({ passed: true });
  });

  it("rejects unknown kinds, regions and keys when the golden set is read", () => {
    const message = (arg: unknown) => JSON.stringify(parse(arg).error?.issues ?? []);
    expect(message({ kinds: ["passport"] })).toContain("expected one of: email, phone, card, ssn, iban, api_key, private_key");
    expect(message({ kinds: [] })).not.toBe("[]");
    expect(message({ phone_region: "gb" })).toContain("expected a two-letter region code like US or GB");
    expect(message({ phone_region: "XX" })).toContain("expected a two-letter region code like US or GB");
    expect(message({ region: "GB" })).not.toBe("[]");
    expect(parse(false).success).toBe(false);
    expect(parse({}).success).toBe(true);
  });
});
