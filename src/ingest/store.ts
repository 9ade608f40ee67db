import { sql } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { spendMinutes } from "../store/tables/spend.ts";
import type { SpendRow } from "./buffer.ts";

/** Rows per statement: 12 parameters a row stays far below Postgres' 65,535. */
export const ROWS_PER_STATEMENT = 1_000;

/**
 * Adds rows to spend_minutes in one statement: `on conflict … do update set x = x + excluded.x`,
 * so replicas writing the same minute each add what they received. Rows must have distinct keys.
 */
export async function addSpend(db: Db, rows: readonly SpendRow[]): Promise<void> {
  if (rows.length === 0) return;
  const add = (col: string) => sql.raw(`"spend_minutes"."${col}" + excluded."${col}"`);
  await db
    .insert(spendMinutes)
    .values(
      rows.map((r) => ({
        minute: new Date(r.minuteMs),
        agent: r.agent,
        service: r.service,
        provider: r.provider,
        model: r.model,
        calls: r.calls,
        inputTokens: r.inputTokens,
        outputTokens: r.outputTokens,
        cacheReadTokens: r.cacheReadTokens,
        cacheCreationTokens: r.cacheCreationTokens,
        costUsd: r.cost,
        unpricedCalls: r.unpricedCalls,
      })),
    )
    .onConflictDoUpdate({
      target: [spendMinutes.minute, spendMinutes.agent, spendMinutes.service, spendMinutes.provider, spendMinutes.model],
      set: {
        calls: add("calls"),
        inputTokens: add("input_tokens"),
        outputTokens: add("output_tokens"),
        cacheReadTokens: add("cache_read_tokens"),
        cacheCreationTokens: add("cache_creation_tokens"),
        costUsd: add("cost_usd"),
        unpricedCalls: add("unpriced_calls"),
      },
    });
}
