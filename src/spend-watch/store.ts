// The spend-watch worker's one read: every recently active agent's minutes that its check needs
// (the last 90 minutes and the 30-minute slots around now's time of day on each of the last 28 days), summed over
// services, providers and models, with when each agent was first seen.
import { sql } from "drizzle-orm";
import { MINUTE_MS, minuteOf, SLOT_DAYS, SLOT_HALF_MINUTES, slotStart, type SpendPoint } from "../detect/spend-baseline.ts";
import { queryRows, type Db } from "../store/db.ts";

/**
 * An agent is checked while it spent in the last 90 minutes: the cap sums an hour, and the half hour
 * beyond it gives an alert raised near the end of that hour the clear checks it needs to resolve.
 */
export const ACTIVE_MINUTES = 90;

/** One agent's minutes as the detector reads them. */
export interface AgentMinutes {
  agent: string;
  firstSeenMs: number;
  minutes: Map<number, SpendPoint>;
}

interface Row {
  agent: string;
  minute: number | string;
  first_seen: number | string;
  calls: number | string;
  tokens: number | string;
  cost_usd: number | string;
  unpriced_calls: number | string;
}

// Both drivers return timestamps differently: epoch milliseconds read the same everywhere.
const epochMs = (column: string) => sql.raw(`(extract(epoch from ${column}) * 1000)::float8`);
const ts = (ms: number) => sql`${new Date(ms).toISOString()}::timestamptz`;

/**
 * The ranges the check reads: the last ACTIVE_MINUTES (through the minute in progress) and each
 * past day's slot. One query for every agent, through the (agent, minute) index.
 */
export function ranges(nowMs: number): [number, number][] {
  const current = minuteOf(nowMs);
  const out: [number, number][] = [[current - (ACTIVE_MINUTES - 1) * MINUTE_MS, current + MINUTE_MS]];
  for (let d = 1; d <= SLOT_DAYS; d++) {
    const start = slotStart(nowMs, d);
    out.push([start, start + 2 * SLOT_HALF_MINUTES * MINUTE_MS]);
  }
  return out;
}

/** Every agent with spend in the last ACTIVE_MINUTES, with the minutes its check reads. */
export async function loadActiveSpend(db: Db, nowMs: number): Promise<AgentMinutes[]> {
  const [recent, ...slots] = ranges(nowMs);
  const within = sql.join(
    [recent!, ...slots].map(([a, b]) => sql`(s.minute >= ${ts(a)} and s.minute < ${ts(b)})`),
    sql` or `,
  );
  const rows = await queryRows<Row>(
    db,
    sql`with active as (
          select distinct agent from spend_minutes where minute >= ${ts(recent![0])} and minute < ${ts(recent![1])}
        ), seen as (
          select a.agent, (select min(m.minute) from spend_minutes m where m.agent = a.agent) as first_seen from active a
        )
        select s.agent, ${epochMs("s.minute")} as minute, ${epochMs("seen.first_seen")} as first_seen,
          sum(s.calls) as calls, sum(s.input_tokens + s.output_tokens) as tokens,
          sum(s.cost_usd) as cost_usd, sum(s.unpriced_calls) as unpriced_calls
        from spend_minutes s join seen on seen.agent = s.agent
        where ${within}
        group by s.agent, s.minute, seen.first_seen
        order by s.agent collate "C", s.minute`,
  );
  const byAgent = new Map<string, AgentMinutes>();
  for (const r of rows) {
    let a = byAgent.get(r.agent);
    if (!a) byAgent.set(r.agent, (a = { agent: r.agent, firstSeenMs: Number(r.first_seen), minutes: new Map() }));
    a.minutes.set(Number(r.minute), {
      calls: Number(r.calls),
      tokens: Number(r.tokens),
      costUsd: Number(r.cost_usd),
      unpricedCalls: Number(r.unpriced_calls),
    });
  }
  return [...byAgent.values()];
}
