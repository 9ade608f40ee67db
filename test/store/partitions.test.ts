import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { queryRows, type Db } from "../../src/store/db.ts";
import {
  listPartitions,
  maintainPartitions,
  partitionMonth,
  partitionName,
  planPartitions,
  startPartitionMaintenance,
} from "../../src/store/partitions.ts";
import { insertTrials, type TrialRow } from "../../src/store/trials.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { cases, DAY, seedRun } from "../report/seed.ts";

const RETAIN_90D = { retentionMs: 90 * DAY };

const trial = (runId: string, at: string, repeat = 0): TrialRow => ({
  runId,
  caseId: "c0",
  repeat,
  startedAt: new Date(at),
  latencyMs: 10,
  status: "pass",
  passed: true,
  score: 1,
  inputTokens: 1,
  outputTokens: 1,
  costUsd: 0,
});

/** Which table each trial row of a run lives in. */
const homes = (db: Db, runId: string) =>
  queryRows<{ home: string }>(
    db,
    sql`select tableoid::regclass::text as home from trials where run_id = ${runId} order by started_at`,
  ).then((r) => r.map((x) => x.home.replace(/^.*\./, "").replace(/"/g, "")));

describe("planPartitions", () => {
  const now = new Date("2025-06-15T12:00:00Z");

  it("creates the current month and two ahead, and drops months wholly past retention", () => {
    const plan = planPartitions(["trials_p202502", "trials_p202503", "trials_p202506"], [], now, RETAIN_90D);
    expect(plan.create.map(partitionName)).toEqual(["trials_p202507", "trials_p202508"]);
    // Cutoff 2025-03-17: February ends before it and goes; March holds rows still kept.
    expect(plan.drop).toEqual(["trials_p202502"]);
    expect(plan.purgeDefaultBefore.toISOString()).toBe("2025-03-01T00:00:00.000Z");
  });

  it("gives rows stranded in the default partition their month, unless it is past retention", () => {
    const plan = planPartitions([], [new Date("2025-04-09T00:00:00Z"), new Date("2025-01-05T00:00:00Z")], now, {
      ...RETAIN_90D,
      monthsAhead: 0,
    });
    expect(plan.create.map(partitionName)).toEqual(["trials_p202504", "trials_p202506"]);
  });

  it("never drops partitions it did not name", () => {
    expect(planPartitions(["trials_default", "trials_archive", "trials_p201913"], [], now, RETAIN_90D).drop).toEqual([]);
    expect(partitionMonth("trials_p201913")).toBeUndefined();
  });
});

describe("trial partitions in the database", () => {
  it("is a range-partitioned table whose key keeps retried batches single", async () => {
    await using database = await testDatabase();
    const [t] = await queryRows<{ relkind: string }>(database.db, sql`select relkind::text from pg_class where oid = 'trials'::regclass`);
    expect(t!.relkind).toBe("p");
    const rows = [trial("r1", "2025-06-01T10:00:00Z"), trial("r1", "2025-06-01T10:00:01Z", 1)];
    await insertTrials(database.db, rows);
    await insertTrials(database.db, rows);
    expect(await homes(database.db, "r1")).toEqual(["trials_default", "trials_default"]);
  });

  it("moves stranded rows into their month, routes new rows there, and drops old months whole", async () => {
    await using database = await testDatabase();
    const db = database.db;
    const runId = await seedRun(db, { job: "j", at: new Date("2025-01-10T00:00:00Z"), cases: cases([1], 1) });
    // Written before any monthly partition existed: they sit in the default partition.
    await insertTrials(db, [
      trial(runId, "2025-01-10T00:00:00Z"),
      trial("r-apr", "2025-04-02T00:00:00Z"),
      trial("r-jun", "2025-06-03T00:00:00Z"),
    ]);

    const first = await maintainPartitions(db, new Date("2025-06-15T00:00:00Z"), RETAIN_90D);
    expect(first.created).toEqual(["trials_p202504", "trials_p202506", "trials_p202507", "trials_p202508"]);
    expect(first.moved).toBe(2);
    expect(first.purged).toBe(1); // January is past retention: deleted from the default partition
    expect(await homes(db, "r-apr")).toEqual(["trials_p202504"]);
    await insertTrials(db, [trial("r-jul", "2025-07-20T00:00:00Z")]);
    expect(await homes(db, "r-jul")).toEqual(["trials_p202507"]);

    // Two months on, April has wholly aged out: its partition is dropped; the run row stays.
    const later = await maintainPartitions(db, new Date("2025-08-02T00:00:00Z"), RETAIN_90D);
    expect(later.dropped).toEqual(["trials_p202504"]);
    expect(later.created).toEqual(["trials_p202509", "trials_p202510"]);
    expect(await homes(db, "r-apr")).toEqual([]);
    expect(await homes(db, "r-jul")).toEqual(["trials_p202507"]);
    const [run] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from runs where id = ${runId}`);
    expect(run!.n).toBe(1);

    // A second pass at the same time has nothing to do.
    expect(await maintainPartitions(db, new Date("2025-08-02T00:00:00Z"), RETAIN_90D)).toEqual({
      created: [],
      dropped: [],
      moved: 0,
      purged: 0,
    });
  });

  it("runs at start and then daily on the injected clock, picking up retention changes", async () => {
    await using database = await testDatabase();
    const clock = new ManualClock(new Date("2025-06-30T12:00:00Z"));
    let retention = 90 * DAY;
    const loop = startPartitionMaintenance({ db: database.db, clock, log: silentLogger() }, () => ({
      retentionMs: retention,
      monthsAhead: 0,
    }));
    // The loop is between passes once it sleeps on the clock again.
    const asleep = () => clock.untilSleeping(1);
    try {
      await loop.firstPass;
      await asleep();
      expect(await listPartitions(database.db)).toEqual(["trials_p202506"]);
      retention = 5 * DAY;
      // A day later it is July: July's partition appears; June still holds rows within 5 days.
      await clock.advance(DAY);
      await asleep();
      expect(await listPartitions(database.db)).toEqual(["trials_p202506", "trials_p202507"]);
      // Day by day (one pass each) to July 7, when every June row is older than 5 days: June is dropped whole.
      for (let day = 0; day < 6; day++) {
        await clock.advance(DAY);
        await asleep();
      }
      expect(await listPartitions(database.db)).toEqual(["trials_p202507"]);
    } finally {
      await loop.stop();
    }
  });
});
