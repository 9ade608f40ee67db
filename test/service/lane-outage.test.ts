import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import type { GoldwatchEvents } from "../../src/engine/events.ts";
import { silentLogger } from "../../src/log.ts";
import { cronerBackend } from "../../src/cron/backend.ts";
import { startService } from "../../src/service.ts";
import { listSlots } from "../../src/store/slots.ts";
import { ManualClock, waitAdvancing } from "../helpers/clock.ts";
import { serverUrl } from "../helpers/db.ts";
import { serverBehindProxy } from "../helpers/tcp-proxy.ts";
import { configYaml, loadTestConfig } from "./fixtures.ts";

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

describe.skipIf(!serverUrl)("slots during a database outage (in process, injected clock)", () => {
  it("a slot whose claim fails is retried and runs late once the database is back; one superseded meanwhile is recorded missed", async () => {
    await using outage = await serverBehindProxy();
    const { direct, proxy, database } = outage;
    const clock = new ManualClock("2026-05-01T10:00:20Z");
    const loaded = await loadTestConfig(configYaml({ job: { grace: "5m" } }));
    const app = createApp(
      loaded,
      database,
      process.env.DEBUG_LANE ? (await import("pino")).default({ level: "debug" }) : silentLogger(),
      clock,
    );
    const outcomes: GoldwatchEvents["slot:outcome"][0][] = [];
    app.events.on("slot:outcome", (o) => outcomes.push(o));
    await using service = await startService(app, { env: {}, watch: false, backend: cronerBackend });
    await service.jobs.idle();
    // Waits for a slot's status, moving the clock on a little (never to the next slot) so that
    // anything backing off on it gets to run.
    const settled = (slot: string, status: string) =>
      waitAdvancing(clock, async () => (await listSlots(direct.db, "probe")).find((s) => hhmm(s.slotAt) === slot)?.status === status, {
        limit: new Date(Date.parse(`2026-05-01T${slot}:00Z`) + 59_000),
      });
    await settled("10:00", "done");

    // Down at 10:01: the claim fails and is retried (on the injected clock) while the slot is in grace.
    proxy.cut();
    await clock.advanceTo("2026-05-01T10:01:00Z");
    for (let s = 0; s < 20; s++) await clock.advance(1_000);
    expect(outcomes.filter((o) => hhmm(o.slotAt) === "10:01")).toEqual([]);
    // Back at 10:01:20: the retried claim lands and the slot runs, 20 s late.
    proxy.restore();
    await waitAdvancing(clock, async () => outcomes.some((o) => hhmm(o.slotAt) === "10:01"), {
      limit: "2026-05-01T10:01:30Z",
      stepMs: 1_000,
    });
    await settled("10:01", "done");
    const late = outcomes.find((o) => hhmm(o.slotAt) === "10:01")!;
    expect(late.outcome).toBe("started");
    expect(late.lagMs).toBeGreaterThanOrEqual(20_000);

    // Down from 10:02 past 10:03: 10:02 is superseded by 10:03, which runs once the database is back.
    proxy.cut();
    await clock.advanceTo("2026-05-01T10:02:00Z");
    for (let s = 0; s < 70; s++) await clock.advance(1_000);
    proxy.restore();
    await waitAdvancing(clock, async () => outcomes.some((o) => hhmm(o.slotAt) === "10:03"), {
      limit: "2026-05-01T10:03:30Z",
      stepMs: 1_000,
    });
    await settled("10:03", "done");
    const slots = await listSlots(direct.db, "probe");
    expect(slots.map((s) => [hhmm(s.slotAt), s.status])).toEqual([
      ["10:00", "done"],
      ["10:01", "done"],
      ["10:02", "missed"],
      ["10:03", "done"],
    ]);
  }, 60_000);
});
