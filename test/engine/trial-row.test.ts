import { describe, expect, it } from "vitest";
import { Secrets } from "../../src/config/secrets.ts";
import { isRunawayTrial, MAX_STORED_OUTPUT, toTrialRow, type TrialOutcome } from "../../src/engine/trial-row.ts";
import { observation } from "../helpers/fixtures.ts";

const STARTED = new Date("2026-01-05T12:00:00Z");

const outcome = (over: Partial<TrialOutcome> = {}): TrialOutcome => ({
  runId: "run-1",
  caseId: "refund",
  repeat: 2,
  startedAt: STARTED,
  obs: observation({ output: "30 days", latencyMs: 120, usage: { inputTokens: 100, outputTokens: 10 }, costUsd: 0.0012, model: "m-1" }),
  score: { status: "pass", passed: true, score: 1, assertions: [] },
  ...over,
});

const secrets = () => {
  const s = new Secrets();
  s.add("sk-live-0123456789");
  return s;
};

describe("toTrialRow", () => {
  it("maps a scored trial to its row; nothing to redact, no steps, no assertions, no error", () => {
    expect(toTrialRow(outcome(), { secrets: new Secrets(), pii: false })).toEqual({
      runId: "run-1",
      caseId: "refund",
      repeat: 2,
      startedAt: STARTED,
      latencyMs: 120,
      status: "pass",
      passed: true,
      score: 1,
      output: "30 days",
      steps: null,
      inputTokens: 100,
      outputTokens: 10,
      costUsd: 0.0012,
      model: "m-1",
      fingerprint: null,
      errorKind: null,
      errorMessage: null,
      assertions: null,
    });
  });

  it("removes secrets from the output, the steps, the error and the assertion reasons", () => {
    const leak = "key sk-live-0123456789";
    const row = toTrialRow(
      outcome({
        obs: observation({
          output: leak,
          steps: [{ tool: "search", args: { q: leak } }],
          error: { kind: "http", status: 500, message: `HTTP 500: ${leak}` },
        }),
        score: { status: "fail", passed: false, score: 0, assertions: [{ type: "equals", passed: false, reason: `output "${leak}"` }] },
      }),
      { secrets: secrets(), pii: false },
    );
    expect(row).toMatchObject({
      output: "key [redacted]",
      steps: [{ tool: "search", args: { q: "key [redacted]" } }],
      errorKind: "http",
      errorMessage: "HTTP 500: key [redacted]",
      assertions: [{ type: "equals", passed: false, reason: 'output "key [redacted]"' }],
    });
    expect(JSON.stringify(row)).not.toContain("sk-live");
  });

  it("replaces personal data only when the job asks", () => {
    const obs = observation({ output: "write to ana@example.com" });
    expect(toTrialRow(outcome({ obs }), { secrets: new Secrets(), pii: false }).output).toBe("write to ana@example.com");
    expect(toTrialRow(outcome({ obs }), { secrets: new Secrets(), pii: true }).output).toBe("write to [redacted:email]");
  });

  it("caps a long output and says how much was cut", () => {
    const long = "x".repeat(MAX_STORED_OUTPUT + 10);
    const { output } = toTrialRow(outcome({ obs: observation({ output: long }) }), { secrets: new Secrets(), pii: false });
    expect(output).toBe(`${"x".repeat(MAX_STORED_OUTPUT)}…[truncated 10 chars]`);
  });
});

describe("isRunawayTrial", () => {
  const row = (over: Partial<TrialOutcome>) => toTrialRow(outcome(over), { secrets: new Secrets(), pii: false });

  it("is a trial that hit a budget bound, or one whose loop check failed", () => {
    expect(isRunawayTrial(row({}))).toBe(false);
    expect(isRunawayTrial(row({ score: { status: "budget_exceeded", passed: false, score: 0, assertions: [] } }))).toBe(true);
    const looped = { type: "no_loop" as const, passed: false, reason: "search called 12 times", kind: "loop" as const };
    expect(isRunawayTrial(row({ score: { status: "fail", passed: false, score: 0, assertions: [looped] } }))).toBe(true);
  });
});
