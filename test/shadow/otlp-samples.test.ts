import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { configSchema } from "../../src/config/schema.ts";
import { otlpSampleHook } from "../../src/shadow/record.ts";
import { queryRows } from "../../src/store/db.ts";
import { testDatabase } from "../helpers/db.ts";
import { listenIngest } from "../ingest/listen.ts";
import { chat, ingestConfig, otelSdk, span } from "../ingest/otel.ts";

/**
 * Production inputs over OTLP become shadow samples: a real OpenTelemetry SDK exporter sends GenAI
 * spans to the receiver with the hook the service wires (otlpSampleHook), and the samples table is
 * read back. While no shadow job exists, nothing is sampled.
 */
const TOKEN = "ingest-token-for-tests";
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops.reverse()) await s();
});

async function receiverWithHook(active: () => boolean) {
  const database = await testDatabase();
  const sampling = configSchema.parse({ agents: {}, shadow: { sampling: { agents: ["support-bot"] } } }).shadow.sampling;
  const onInput = otlpSampleHook({ db: database.db, clock: systemClock, sampling: () => sampling }, { active });
  const { ingest, url, stop } = await listenIngest(database.db, { config: ingestConfig(), token: TOKEN, onInput });
  stops.push(async () => {
    await stop();
    await database.close();
  });
  return { database, ingest, url: `${url}/v1/traces` };
}

/** One agent turn per (agent, question): an invoke_agent span and its model call carrying the messages. */
async function send(url: string, turns: [agent: string, question: string][]): Promise<void> {
  const sdk = otelSdk({ url, token: TOKEN, protocol: "proto" });
  for (const [agent, question] of turns) {
    const root = span(sdk.tracer, `invoke_agent ${agent}`, { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent });
    const messages = JSON.stringify([
      { role: "system", parts: [{ type: "text", content: "You are a support agent." }] },
      { role: "user", parts: [{ type: "text", content: question }] },
    ]);
    span(sdk.tracer, "chat", chat("gpt-4o", 10, 1, { "gen_ai.input.messages": messages }), root).end();
    root.end();
  }
  await sdk.flush();
  await sdk.shutdown();
}

/** The samples table once it holds `n` rows: the hook stores in the background (bounded wait). */
async function samples(r: Awaited<ReturnType<typeof receiverWithHook>>, n: number) {
  for (let i = 0; ; i++) {
    const rows = await queryRows<{ agent: string; source: string; input: string }>(
      r.database.db,
      sql`select agent, source, input from samples order by input`,
    );
    if (rows.length >= n || i === 200) return rows;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("OTLP spans → shadow samples", () => {
  it("keeps the last user message of the watched agent's model calls, once per input", async () => {
    const r = await receiverWithHook(() => true);
    await send(r.url, [
      ["support-bot", "Where is my order 1234?"],
      ["support-bot", "Where is my order 1234?"],
      ["support-bot", "Can I get a refund?"],
      ["billing-bot", "Why was I charged twice?"],
    ]);
    await r.ingest.worker.flush();
    expect(await samples(r, 2)).toEqual([
      { agent: "support-bot", source: "otlp", input: "Can I get a refund?" },
      { agent: "support-bot", source: "otlp", input: "Where is my order 1234?" },
    ]);
  });

  it("samples nothing while no shadow job exists", async () => {
    const r = await receiverWithHook(() => false);
    await send(r.url, [["support-bot", "Where is my order 1234?"]]);
    await r.ingest.worker.flush();
    const calls = await queryRows<{ calls: number }>(r.database.db, sql`select sum(calls)::int as calls from spend_minutes`);
    expect(calls[0]!.calls).toBe(1);
    // The hook decides synchronously as each body is read: with no shadow job it stored nothing.
    expect(await samples(r, 0)).toEqual([]);
  });
});
