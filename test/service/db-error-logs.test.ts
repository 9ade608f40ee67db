import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Agent } from "../../src/agents/types.ts";
import { systemClock } from "../../src/clock.ts";
import { hashGolden, type GoldenSet } from "../../src/load/golden.ts";
import { configSchema } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { executeRun } from "../../src/engine/run.ts";
import { Events } from "../../src/engine/events.ts";
import { createLogger, MAX_LOG_FIELD } from "../../src/log.ts";
import { describeDbError } from "../../src/store/errors.ts";
import { testDatabase } from "../helpers/db.ts";
import { captureStream, observation } from "../helpers/fixtures.ts";

/** An agent output nobody may find in a log: personal data, and long. */
const OUTPUT = `call Jane Roe at +1 415 555 0199 ${"x".repeat(100_000)}`;

describe("database errors in logs", () => {
  it("a drizzle error is described by its cause and code, without the statement or its parameters", async () => {
    await using database = await testDatabase();
    const error = await database.db.execute(sql`insert into no_such_table (v) values (${OUTPUT})`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String((error as Error).message)).toContain("Jane Roe"); // what drizzle puts in its message
    const described = describeDbError(error);
    expect(described).toContain('relation "no_such_table" does not exist');
    expect(described).toContain("42P01");
    expect(described).not.toContain("Jane Roe");
    expect(described).not.toContain("insert into");
  });

  it("every log field is capped and a query's parameters never reach a line, whatever logs the raw error", async () => {
    await using database = await testDatabase();
    const raw = await database.db.execute(sql`insert into no_such_table (v) values (${OUTPUT})`).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    const { lines, stream } = captureStream();
    const log = createLogger({ destination: stream, secrets: new Secrets() });
    log.warn({ err: raw!.message }, "a careless caller logs the message");
    log.warn({ err: raw }, "and another the error object");
    log.warn({ cause: Object.assign(new Error("boom"), { query: "insert …", parameters: [OUTPUT] }) }, "postgres.js fields");
    log.info({ output: OUTPUT }, `a long message ${OUTPUT}`);
    for (const line of lines.slice(0, 3)) {
      expect(line).not.toContain("Jane Roe");
      expect(line.length).toBeLessThan(1_000);
    }
    const long = JSON.parse(lines[3]!) as { output: string; msg: string };
    expect(long.output.length).toBeLessThan(MAX_LOG_FIELD + 40);
    expect(long.output).toMatch(/…\[\d+ more chars\]$/);
    expect(long.msg.length).toBeLessThan(MAX_LOG_FIELD + 40);
  });

  it("retry warnings while trials cannot be stored name the error and the row count, never the trials (redact_pii or not)", async () => {
    await using database = await testDatabase();
    const cases = Array.from({ length: 4 }, (_, i) => ({
      id: `c${i}`,
      input: `q${i}`,
      tags: [],
      assert: [{ type: "contains", arg: "x" }],
    }));
    const golden: GoldenSet = { name: "g", file: "g", hash: hashGolden({ name: "g", cases }), cases };
    const job = configSchema.parse({
      agents: { a: { kind: "demo" } },
      jobs: { j: { agent: "a", golden: "x", schedule: "@hourly", repeats: 4, concurrency: 4 } },
    }).jobs.j!;
    const { text, stream } = captureStream();
    const log = createLogger({ destination: stream, secrets: new Secrets() });
    // A real database error on every trial write, raised by the database itself: the table is gone.
    const agent: Agent = { name: "a", call: async () => observation({ output: OUTPUT }) };
    await database.db.execute(sql`alter table trials rename to trials_away`);
    const events = new Events();
    // It comes back after the second retry: the batch is stored, nothing lost.
    events.on("store:retry", ({ attempt }) => {
      // drizzle's query runs when awaited (then), not when built.
      if (attempt === 2)
        database.db.execute(sql`alter table trials_away rename to trials`).then(
          () => {},
          () => {},
        );
    });
    const summary = await executeRun(
      { db: database.db, clock: systemClock, log, secrets: new Secrets(), replica: "t", events },
      { jobName: "j", job, agent, golden, trigger: "manual", redactPii: true },
    );
    expect(summary).toMatchObject({ status: "completed", trials: 16 });
    const lines = text()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { msg: string; rows?: number; err?: string });
    const retries = lines.filter((l) => l.msg === "storing trials failed; retrying");
    expect(retries.length).toBeGreaterThan(0);
    for (const r of retries) {
      expect(r.rows).toBe(16);
      expect(r.err).toContain('relation "trials" does not exist');
    }
    expect(text()).not.toContain("Jane Roe");
    expect(text()).not.toContain("xxxxxxxxxx");
    // A few hundred bytes per line, not the batch (16 × 100 KB).
    expect(text().length).toBeLessThan(lines.length * 600);
  });
});
