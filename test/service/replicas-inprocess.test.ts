import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app.ts";
import type { LoadedConfig } from "../../src/load/load.ts";
import type { GoldwatchEvents } from "../../src/engine/events.ts";
import { silentLogger } from "../../src/log.ts";
import { cronerBackend } from "../../src/cron/backend.ts";
import { startService, type Service } from "../../src/service.ts";
import { openDatabase, queryRows, type Database } from "../../src/store/db.ts";
import { claimSlot, listSlots } from "../../src/store/slots.ts";
import { ManualClock, waitAdvancing } from "../helpers/clock.ts";
import { serverUrl, testDatabase } from "../helpers/db.ts";
import { configYaml, loadTestConfig, startHeldAgent } from "./fixtures.ts";

type Outcome = GoldwatchEvents["slot:outcome"][0];
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** `n` replicas of one config on one database (own connection pools on a server), sharing a manual clock. */
async function replicas(n: number, loaded: LoadedConfig, clock: ManualClock) {
  const first = await testDatabase();
  const services: Service[] = [];
  const apps: App[] = [];
  const outcomes: (Outcome & { replica: number })[] = [];
  for (let i = 0; i < n; i++) {
    const database: Database =
      i === 0 || !serverUrl ? first : await openDatabase({ url: serverUrl, schema: first.schema, maxConnections: 4 });
    const app = createApp(loaded, database, silentLogger(), clock);
    app.events.on("slot:outcome", (o) => outcomes.push({ ...o, replica: i }));
    const service = await startService(app, { env: {}, watch: false, backend: cronerBackend });
    services.push(service);
    apps.push(app);
    cleanup.push(async () => {
      await service.stop();
      if (database !== first) await database.close();
    });
  }
  cleanup.push(() => first.close());
  const idle = () => Promise.all(services.map((s) => s.jobs.idle()));
  return { db: first.db, services, apps, outcomes, idle };
}

/**
 * Resolves when no run is going and every claimed slot has settled, nudging the shared clock
 * (at most to 50 s past the current minute) so writes backing off on it get to retry.
 */
async function runsDone(clock: ManualClock, db: Database["db"]) {
  const now = clock.now().getTime();
  await waitAdvancing(
    clock,
    async () => {
      const [row] = await queryRows<{ n: number }>(
        db,
        sql`select (select count(*) from runs where status = 'running') + (select count(*) from schedule_slots where status = 'claimed')::int as n`,
      );
      return Number(row?.n) === 0;
    },
    { limit: new Date(now - (now % 60_000) + 50_000), stepMs: 100 },
  );
}

const minute = (iso: string, m: number) => new Date(Date.parse(iso) + m * 60_000);

describe("slot claims across replicas", () => {
  it("concurrent claimers of one slot: exactly one wins", async () => {
    await using database = await testDatabase();
    const pools = serverUrl
      ? await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url: serverUrl!, schema: database.schema, maxConnections: 2 })))
      : [database];
    try {
      const slotAt = new Date("2026-05-01T10:00:00Z");
      for (let round = 0; round < 5; round++) {
        const at = new Date(slotAt.getTime() + round * 60_000);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            claimSlot(pools[i % pools.length]!.db, { job: "j", slotAt: at, replica: `r${i}`, runId: `run-${round}-${i}`, at }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      }
      const rows = await listSlots(database.db, "j");
      expect(rows.map((r) => r.status)).toEqual(["claimed", "claimed", "claimed", "claimed", "claimed"]);
    } finally {
      for (const p of pools) if (p !== database) await p.close();
    }
  });

  it("three replicas over twelve slots: every slot runs exactly once, none twice, none lost", async () => {
    const start = "2026-05-01T10:00:20Z";
    const clock = new ManualClock(start);
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "* * * * *" } }));
    const { db, outcomes, idle } = await replicas(3, loaded, clock);
    await idle();
    await runsDone(clock, db);
    for (let m = 1; m <= 11; m++) {
      await clock.advanceTo(minute("2026-05-01T10:00:00Z", m));
      await idle();
      await runsDone(clock, db);
    }
    const slots = await listSlots(db, "probe");
    const expected = Array.from({ length: 12 }, (_, m) => minute("2026-05-01T10:00:00Z", m).toISOString());
    expect(slots.map((s) => s.slotAt.toISOString())).toEqual(expected);
    expect(slots.every((s) => s.status === "done")).toBe(true);
    const runs = await queryRows<{ slot_at: string; n: number; status: string }>(
      db,
      sql`select slot_at, count(*)::int as n, min(status) as status from runs where trigger = 'schedule' group by slot_at order by slot_at`,
    );
    expect(runs.map((r) => [new Date(r.slot_at).toISOString(), Number(r.n), r.status])).toEqual(expected.map((s) => [s, 1, "completed"]));
    // Each slot started on exactly one replica; the work was shared, not all on one.
    const started = outcomes.filter((o) => o.outcome === "started");
    expect(started.map((o) => o.slotAt.toISOString()).sort()).toEqual(expected);
    expect(started.every((o) => o.lagMs >= 0 && o.lagMs < 60_000)).toBe(true);
  });

  it("a slot that comes while the previous run is still going is skipped and recorded as skipped", async () => {
    await using agent = await startHeldAgent();
    const clock = new ManualClock("2026-05-01T10:00:20Z");
    const loaded = await loadTestConfig(configYaml({ agentUrl: agent.url }));
    const { db, outcomes, idle } = await replicas(2, loaded, clock);
    await idle();
    await agent.waitHeld(1);
    await clock.advanceTo("2026-05-01T10:01:00Z");
    await idle();
    agent.release();
    await runsDone(clock, db);
    await clock.advanceTo("2026-05-01T10:02:00Z");
    await idle();
    await runsDone(clock, db);
    const slots = await listSlots(db, "probe");
    expect(slots.map((s) => [s.slotAt.toISOString().slice(11, 16), s.status])).toEqual([
      ["10:00", "done"],
      ["10:01", "skipped"],
      ["10:02", "done"],
    ]);
    expect(slots[1]!.reason).toContain("previous run of this job was still going");
    expect(slots[1]!.runId).toBeNull();
    expect(outcomes.filter((o) => o.outcome === "skipped")).toHaveLength(1);
  });

  it("after downtime, missed slots are recorded as missed; catch_up runs the last N", async () => {
    const clock = new ManualClock("2026-05-01T10:00:20Z");
    const loaded = await loadTestConfig(configYaml({ job: { grace: "2m" } }));
    const database = await testDatabase();
    cleanup.push(() => database.close());
    const boot = async (l: LoadedConfig) => {
      const app = createApp(l, database, silentLogger(), clock);
      const service = await startService(app, { env: {}, watch: false, backend: cronerBackend });
      await service.jobs.idle();
      await runsDone(clock, database.db);
      return service;
    };
    await (await boot(loaded)).stop();
    // Down from 10:00:20 to 10:07:30: 10:01..10:06 came and went.
    await clock.jump("2026-05-01T10:07:30Z");
    await (await boot(loaded)).stop();
    let slots = await listSlots(database.db, "probe");
    expect(slots.map((s) => [s.slotAt.toISOString().slice(11, 16), s.status])).toEqual([
      ["10:00", "done"],
      ...["10:01", "10:02", "10:03", "10:04", "10:05", "10:06"].map((t) => [t, "missed"]),
      ["10:07", "done"],
    ]);
    // Down again until 10:15:10, now with catch_up: 2 — 10:13 and 10:14 run, then 10:15.
    const catchUp = await loadTestConfig(configYaml({ job: { grace: "2m", catch_up: 2 } }));
    await clock.jump("2026-05-01T10:15:10Z");
    const service = await boot(catchUp);
    // Catch-up runs go one after another in the background: wait for the last slot to settle.
    await waitAdvancing(
      clock,
      async () => {
        const last = (await listSlots(database.db, "probe")).at(-1);
        return last?.status === "done" && last.slotAt.getTime() === Date.parse("2026-05-01T10:15:00Z");
      },
      { limit: "2026-05-01T10:15:50Z", stepMs: 100 },
    );
    await service.stop();
    slots = await listSlots(database.db, "probe");
    expect(slots.slice(8).map((s) => [s.slotAt.toISOString().slice(11, 16), s.status])).toEqual([
      ...["10:08", "10:09", "10:10", "10:11", "10:12"].map((t) => [t, "missed"]),
      ["10:13", "done"],
      ["10:14", "done"],
      ["10:15", "done"],
    ]);
  });
});
