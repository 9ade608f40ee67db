import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/store/db.ts";
import { trials } from "../../src/store/schema.ts";
import { copyText, copyTrials, insertTrials, type TrialRow } from "../../src/store/trials.ts";
import { testDatabase } from "../helpers/db.ts";

const row = (runId: string, repeat: number, extra: Partial<TrialRow> = {}): TrialRow => ({
  runId,
  caseId: "c",
  repeat,
  startedAt: new Date("2026-11-26T10:00:00Z"),
  latencyMs: 12.5,
  status: "pass",
  passed: true,
  score: 1,
  output: "ok",
  steps: [{ tool: "search_kb", args: { q: "tab\there" } }],
  inputTokens: 10,
  outputTokens: 2,
  costUsd: 0.0001,
  model: "m-1",
  fingerprint: null,
  errorKind: null,
  errorMessage: null,
  assertions: [{ type: "contains", passed: true, reason: 'contains "ok"' }],
  ...extra,
});

describe("insertTrials", () => {
  it("stores awkward text exactly: tabs, newlines, backslashes, quotes, unicode; NUL is dropped", async () => {
    await using database = await testDatabase();
    const output = 'line 1\nline\t2 \\n not a newline \\ "quoted" — ünïcödé \u0000end\r\n';
    await insertTrials(database.db, [row("r-text", 0, { output, errorMessage: "a\\b", steps: [{ tool: "t", args: { s: "x\ny\\z" } }] })]);
    const [stored] = await database.db.select().from(trials).where(eq(trials.runId, "r-text"));
    expect(stored!.output).toBe(output.replace("\u0000", ""));
    expect(stored!.errorMessage).toBe("a\\b");
    expect(stored!.steps).toEqual([{ tool: "t", args: { s: "x\ny\\z" } }]);
    expect(stored!.assertions).toEqual([{ type: "contains", passed: true, reason: 'contains "ok"' }]);
    expect(stored!.passed).toBe(true);
    expect(stored!.latencyMs).toBe(12.5);
    expect(stored!.fingerprint).toBeNull();
  });

  it("a batch stored twice (a retry after a lost acknowledgement) is not duplicated", async () => {
    await using database = await testDatabase();
    const batch = Array.from({ length: 50 }, (_, i) => row("r-retry", i));
    await insertTrials(database.db, batch);
    // The COPY of the same rows fails on the primary key; the INSERT fallback skips them.
    await insertTrials(database.db, [...batch, row("r-retry", 50)]);
    const [counted] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from trials where run_id = 'r-retry'`);
    expect(counted!.n).toBe(51);
  });

  it("COPYs a fresh batch, and a COPY the server refuses fails at once instead of hanging", async () => {
    await using database = await testDatabase();
    const batch = Array.from({ length: 20 }, (_, i) => row("r-copy", i));
    expect(await copyTrials(database.db, batch)).toBe(true); // both drivers take the COPY path
    await expect(copyTrials(database.db, [row("r-copy", 20), row("r-copy", 3)])).rejects.toThrow();
    await copyTrials(database.db, [row("r-copy", 21)]); // the connection is usable afterwards
    const [counted] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from trials where run_id = 'r-copy'`);
    expect(counted!.n).toBe(21);
  });

  it("writes COPY's text format with \\N for nulls", () => {
    const text = copyText([row("r", 0, { output: null, fingerprint: "fp\t1" })]);
    const fields = text.trimEnd().split("\t");
    expect(fields).toHaveLength(18);
    expect(fields[8]).toBe("\\N");
    expect(fields[14]).toBe("fp\\t1");
    expect(fields[6]).toBe("t");
  });
});
