import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/store/db.ts";
import { testDatabase } from "../helpers/db.ts";
import { configYaml, loadTestConfig } from "../service/fixtures.ts";
import { agentTurn, otelSdk } from "./otel.ts";
import { serveWithIngest } from "./serve.ts";

const TOKEN = "serve-ingest-token-7f3a";

describe("goldwatch serve with GOLDWATCH_INGEST_TOKEN", () => {
  it("takes spans from the SDK exporter on /v1/traces and writes them by shutdown; the token is never logged", async () => {
    const loaded = await loadTestConfig(configYaml({ job: { schedule: "0 0 1 1 *" } }));
    const database = await testDatabase();
    const { service, tracesUrl, logged } = await serveWithIngest(loaded, database, { token: TOKEN });
    try {
      const sdk = otelSdk({ url: tracesUrl, token: TOKEN, protocol: "proto", gzip: true });
      agentTurn(sdk.tracer, "support-bot");
      await sdk.flush();
      await sdk.shutdown();
      const wrong = await fetch(tracesUrl, {
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
    expect(logged()).not.toContain(TOKEN);
    await database.close();
  });
});
