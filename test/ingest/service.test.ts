import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { cronerBackend } from "../../src/cron/backend.ts";
import { createLogger } from "../../src/log.ts";
import { startService } from "../../src/service.ts";
import { queryRows } from "../../src/store/db.ts";
import { captureStream } from "../helpers/fixtures.ts";
import { testDatabase } from "../helpers/db.ts";
import { configYaml, loadTestConfig } from "../service/fixtures.ts";
import { agentTurn, otelSdk } from "./otel.ts";

const TOKEN = "serve-ingest-token-7f3a";

describe("goldwatch serve with GOLDWATCH_INGEST_TOKEN", () => {
  it("takes spans from the SDK exporter on /v1/traces and writes them by shutdown; the token is never logged", async () => {
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 0 1 1 *" } }));
    const database = await testDatabase();
    const out = captureStream();
    const app = createApp(loaded, database, createLogger({ secrets: loaded.secrets, destination: out.stream, level: "debug" }));
    const service = await startService(app, { env: { GOLDWATCH_INGEST_TOKEN: TOKEN }, watch: false, backend: cronerBackend });
    try {
      const sdk = otelSdk({ url: `http://127.0.0.1:${service.port}/v1/traces`, token: TOKEN, protocol: "proto", gzip: true });
      agentTurn(sdk.tracer, "support-bot");
      await sdk.flush();
      await sdk.shutdown();
      const wrong = await fetch(`http://127.0.0.1:${service.port}/v1/traces`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
      });
      expect(wrong.status).toBe(401);
    } finally {
      await service.stop();
    }
    const rows = await queryRows<{ agent: string; calls: number; input: number }>(
      database.db,
      sql`select agent, calls::int as calls, input_tokens::int as input from spend_minutes`,
    );
    expect(rows).toEqual([{ agent: "support-bot", calls: 2, input: 1200 }]);
    const daily = await queryRows<{ day: string; agent: string; calls: number }>(
      database.db,
      sql`select day::text as day, agent, calls::int as calls from spend_by_agent_daily`,
    );
    expect(daily).toEqual([{ day: "2026-11-02", agent: "support-bot", calls: 2 }]);
    const minutely = await queryRows<{ minute: string; agent: string; calls: number; cost: number }>(
      database.db,
      sql`select to_char(minute at time zone 'UTC', 'HH24:MI') as minute, agent, calls::int as calls, cost_usd as cost from spend_minutely`,
    );
    expect(minutely).toEqual([{ minute: "10:15", agent: "support-bot", calls: 2, cost: (1200 * 2.5 + 120 * 10) / 1e6 }]);
    expect(out.text()).not.toContain(TOKEN);
    await database.close();
  });
});
