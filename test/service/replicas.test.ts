import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it, vi } from "vitest";
import { queryRows } from "../../src/store/db.ts";
import { listSlots } from "../../src/store/slots.ts";
import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startServe, type ServeProcess } from "../helpers/serve-process.ts";
import { configYaml, GOLDEN } from "./fixtures.ts";

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

// Real one-minute slots (cron has no finer unit): the slot due at start, then the next minute's.
// The same claim logic over many slots is tested in-process (replicas-inprocess.test.ts).
describe.skipIf(!serverUrl)("three goldwatch serve processes on one database", () => {
  it("run every slot exactly once: none twice, none lost", async () => {
    await using database = await serverDatabase();
    const dir = await tempFiles({ "goldwatch.config.yaml": configYaml({ database: "${DATABASE_URL}" }), "golden.yaml": GOLDEN });
    // Two on Bun (Bun.cron) and one on Node (croner): the backends must agree on every slot.
    for (const runtime of ["bun", "bun", "node"] as const) {
      procs.push(startServe({ config: path.join(dir, "goldwatch.config.yaml"), env: { DATABASE_URL: database.url }, runtime }));
    }
    await Promise.all(procs.map((p) => p.port()));
    await vi.waitFor(
      async () => expect((await listSlots(database.db, "probe")).filter((s) => s.status === "done").length).toBeGreaterThanOrEqual(2),
      {
        timeout: 100_000,
        interval: 500,
      },
    );
    for (const p of procs) p.kill("SIGTERM");
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0, 0]);

    const slots = await listSlots(database.db, "probe");
    // Consecutive minutes, no gap: none lost.
    for (let i = 1; i < slots.length; i++) expect(slots[i]!.slotAt.getTime() - slots[i - 1]!.slotAt.getTime()).toBe(60_000);
    // A replica starting a moment after a minute boundary may find the older start-up slot
    // superseded (missed, with the reason); every other slot ran.
    for (const s of slots.slice(1)) expect(s.status).toBe("done");
    if (slots[0]!.status !== "done") expect(slots[0]).toMatchObject({ status: "missed" });
    const runs = await queryRows<{ slot_at: string; n: number }>(
      database.db,
      sql`select slot_at, count(*)::int as n from runs where job = 'probe' group by slot_at order by slot_at`,
    );
    const done = slots.filter((s) => s.status === "done").map((s) => s.slotAt.toISOString());
    // None twice: exactly one run per slot that ran, and no run outside a slot.
    expect(runs.map((r) => [new Date(r.slot_at).toISOString(), Number(r.n)])).toEqual(done.map((s) => [s, 1]));
    const [statuses] = await queryRows<{ bad: number }>(
      database.db,
      sql`select count(*)::int as bad from runs where status <> 'completed'`,
    );
    expect(Number(statuses!.bad)).toBe(0);
    // Every replica saw each slot: started on one, the others found it taken or already recorded.
    const started = procs.flatMap((p) => p.logs.filter((l) => l.msg === "slot claimed; run started").map((l) => l.slot));
    expect([...started].sort()).toEqual(done);
    for (const p of procs) expect(p.logs.filter((l) => l.level === 50 || l.level === 60)).toEqual([]);
  }, 150_000);
});
