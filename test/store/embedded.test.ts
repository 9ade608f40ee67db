import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows, startWorker, type Database, type Tx } from "../../src/store/db.ts";
import type { RemotePglite } from "../../src/store/pglite-remote.ts";
import { isTransientDbError } from "../../src/store/errors.ts";
import { settle } from "../helpers/clock.ts";

// The embedded database on its own thread: what drizzle and the store rely on must behave as
// PGlite in-process does. Runs once, without a server (it is the embedded store's own test).
describe.skipIf(!!process.env.TEST_DATABASE_URL)("embedded database on a worker thread", () => {
  let pg: RemotePglite;
  let database: Database;

  beforeAll(async () => {
    pg = await startWorker();
    database = await openDatabase({ pglite: pg, schema: "embedded" });
    await database.db.execute(sql`create table items (id int primary key, note text, at timestamptz)`);
  });
  afterAll(async () => {
    await database.close();
    await pg.close();
  });

  it("runs parameterised queries and keeps timestamps as text, as drizzle's PGlite driver expects", async () => {
    await database.db.execute(sql`insert into items values (${1}, ${"a\tb"}, ${"2026-11-26T10:00:00Z"})`);
    const rows = await queryRows<{ id: number; note: string; at: unknown }>(database.db, sql`select * from items where id = ${1}`);
    expect(rows).toEqual([{ id: 1, note: "a\tb", at: "2026-11-26 10:00:00+00" }]);
  });

  it("commits a transaction that resolves and rolls back one that throws, rethrowing the caller's error", async () => {
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into items (id, note) values (2, 'kept')`);
    });
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into items (id, note) values (3, 'dropped')`);
        throw new Error("caller changed its mind");
      }),
    ).rejects.toThrow("caller changed its mind");
    const ids = await queryRows<{ id: number }>(database.db, sql`select id from items where id in (2, 3) order by id`);
    expect(ids.map((r) => r.id)).toEqual([2]);
  });

  it("holds other queries until a transaction ends, as one session must", async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let opened!: (t: Tx) => void;
    const inTx = new Promise<Tx>((r) => (opened = r));
    const tx = database.db.transaction(async (t) => {
      await t.execute(sql`insert into items (id, note) values (4, 'in tx')`);
      order.push("tx wrote");
      opened(t);
      await gate;
      order.push("tx ends");
    });
    const t = await inTx;
    const outside = queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from items where id = 4`).then((rows) => {
      order.push("outside read");
      return rows[0]!.n;
    });
    // Once the outside query is on its way, a query in the transaction goes after it: had the
    // outside one not been held, it would have been answered first.
    await settle();
    await t.execute(sql`select 1`);
    await settle();
    expect(order).toEqual(["tx wrote"]);
    release();
    await tx;
    expect(await outside).toBe(1); // it ran after the commit, and saw it
    expect(order).toEqual(["tx wrote", "tx ends", "outside read"]);
  });

  it("reports database errors with their SQLSTATE, not as transient", async () => {
    const err = await database.db.execute(sql`insert into items (id) values (1)`).catch((e: unknown) => e);
    const cause = (err as { cause?: unknown }).cause ?? err;
    expect(cause).toMatchObject({ code: "23505", message: expect.stringMatching(/duplicate key/) });
    expect(isTransientDbError(err)).toBe(false);
  });

  it("keeps the caller's event loop free while a long query runs", async () => {
    const events: string[] = [];
    const query = queryRows(
      database.db,
      sql`select count(*)::int as n from generate_series(1, 3000000) g, lateral (select md5(g::text)) m`,
    ).then(() => events.push("query done"));
    // In-process PGlite would run the query on this thread: the next turn of the event loop (its
    // timers and I/O) could not come before it ends.
    await new Promise((r) => setImmediate(r)).then(() => events.push("timer fired"));
    await query;
    expect(events).toEqual(["timer fired", "query done"]);
  });

  it("loads COPY data through the thread", async () => {
    await pg.copyFrom(`copy embedded.items (id, note) from '/dev/blob'`, "10\tx\\ty\n11\t\\N\n");
    const rows = await queryRows<{ id: number; note: string | null }>(
      database.db,
      sql`select id, note from items where id >= 10 order by id`,
    );
    expect(rows).toEqual([
      { id: 10, note: "x\ty" },
      { id: 11, note: null },
    ]);
  });
});

describe.skipIf(!!process.env.TEST_DATABASE_URL)("embedded database lifecycle", () => {
  it("creates a new data folder, reopens it with its data, and fails queries clearly after close", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "goldwatch-embedded-"));
    try {
      const first = await openDatabase({ dataDir: dir });
      await first.db.execute(sql`create table kept (v text)`);
      await first.db.execute(sql`insert into kept values ('still here')`);
      await first.close();
      expect(await readdir(dir)).toContain("PG_VERSION");

      const second = await openDatabase({ dataDir: dir });
      expect(await queryRows(second.db, sql`select v from kept`)).toEqual([{ v: "still here" }]);
      await second.close();
      await expect(second.ping()).rejects.toThrow(/the embedded database is closed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("survives its thread dying: calls in flight fail as retryable, the next starts a new thread on the same data and session", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "goldwatch-embedded-"));
    const pg = await startWorker(dir);
    try {
      const database = await openDatabase({ pglite: pg, schema: "mine" });
      await database.db.execute(sql`create table kept (v text)`);
      await database.db.execute(sql`insert into kept values ('before the crash')`);

      const inFlight = queryRows(database.db, sql`select count(*) from generate_series(1, 3000000)`).catch((e: unknown) => e);
      await settle(); // the query has reached the thread
      await pg.kill();
      const lost = await inFlight;
      expect(lost).toBeInstanceOf(Error);
      expect(String(((lost as Error).cause as Error | undefined)?.message)).toMatch(/the embedded database stopped/); // drizzle wraps it
      expect(isTransientDbError(lost)).toBe(true); // a batch writer retries it instead of failing the run

      // Unqualified: the new thread is in schema "mine" again.
      expect(await queryRows(database.db, sql`select v from kept`)).toEqual([{ v: "before the crash" }]);
    } finally {
      await pg.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names the problem when the data folder cannot be used", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "goldwatch-embedded-"));
    const file = path.join(dir, "not-a-folder");
    await import("node:fs/promises").then((fs) => fs.writeFile(file, "x"));
    try {
      await expect(openDatabase({ dataDir: file })).rejects.toThrow(/EEXIST|ENOTDIR|not a directory|file exists/i);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
