import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase, queryRows } from "../../src/store/db.ts";
import { serverUrl, testDatabase } from "../helpers/db.ts";
import { listenIngest } from "./listen.ts";
import { ingestConfig, otelSdk, span, chat } from "./otel.ts";

const TOKEN = "replica-token";
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe("two replicas ingesting at once", () => {
  it.skipIf(!serverUrl)("each adds what it received to the same rows: exact totals, nothing twice", async () => {
    const first = await testDatabase();
    cleanup.push(() => first.close());
    // A short flush interval, so the replicas' upserts of the same minutes interleave.
    const config = ingestConfig({ flush_interval: "50ms" });
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const database = i === 0 ? first : await openDatabase({ url: serverUrl!, schema: first.schema, maxConnections: 4 });
      const replica = await listenIngest(database.db, { config, token: TOKEN });
      urls.push(`${replica.url}/v1/traces`);
      cleanup.push(async () => {
        await replica.stop();
        if (database !== first) await database.close();
      });
    }
    // 2 replicas × 2 protocols × 20 batches × 50 calls over 3 agents and 4 minutes.
    const minutes = [0, 1, 2, 3].map((m) => new Date(Date.UTC(2026, 10, 2, 10, m, 30)));
    const agents = ["a", "b", "c"];
    await Promise.all(
      urls.flatMap((url) =>
        (["json", "proto"] as const).map(async (protocol) => {
          const sdk = otelSdk({ url, token: TOKEN, protocol, service: "svc" });
          for (let batch = 0; batch < 20; batch++) {
            for (let k = 0; k < 50; k++) {
              const at = minutes[(batch + k) % 4]!;
              span(sdk.tracer, "chat", chat("gpt-4o", 100 + k, 10, { "gen_ai.agent.name": agents[k % 3]! }), undefined, at).end(at);
            }
            await sdk.flush();
          }
          await sdk.shutdown();
        }),
      ),
    );
    for (const c of cleanup.splice(1).reverse()) await c(); // stop both receivers: each writes what it holds
    const [tot] = await queryRows<{ calls: number; input: number; output: number; rows: number; cost: number }>(
      first.db,
      sql`select sum(calls)::int as calls, sum(input_tokens)::int as input, sum(output_tokens)::int as output, count(*)::int as rows, sum(cost_usd) as cost from spend_minutes`,
    );
    const calls = 2 * 2 * 20 * 50;
    const input = 2 * 2 * 20 * Array.from({ length: 50 }, (_, k) => 100 + k).reduce((a, b) => a + b, 0);
    expect(tot).toMatchObject({ calls, input, output: calls * 10, rows: 4 * 3 });
    expect(tot!.cost).toBeCloseTo((input * 2.5 + calls * 10 * 10) / 1e6, 9);
  });
});
