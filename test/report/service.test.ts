import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { silentLogger } from "../../src/log.ts";
import { startService } from "../../src/service.ts";
import { listPartitions } from "../../src/store/partitions.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { configYaml, loadTestConfig } from "../service/fixtures.ts";
import { DASH_NOW, seedDashboard } from "./dashboard-seed.ts";

describe("goldwatch serve", () => {
  it("serves the dashboard at / and creates this month's trial partitions at start", async () => {
    // A schedule that will not fire during the test.
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 0 1 1 *" } }));
    await using database = await testDatabase();
    await seedDashboard(database.db);
    const clock = new ManualClock(DASH_NOW);
    const app = createApp(loaded, database, silentLogger(), clock);
    await using service = await startService(app, { watch: false });
    // The maintenance worker's first pass runs at start, on the service's clock, and is done before
    // any job is scheduled (so a first run never races its month's ATTACH).
    expect(await listPartitions(database.db)).toEqual(["trials_p202503", "trials_p202504", "trials_p202505"]);
    const res = await fetch(`http://127.0.0.1:${service.port}/?days=7`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="job-support"');
    expect(html).toContain("2025-03-08 … 2025-03-14 12:00Z");
  });
});
