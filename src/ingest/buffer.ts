import type { SpendRecord } from "./walk.ts";

/** One spend_minutes row's increments. */
export interface SpendRow {
  minuteMs: number;
  agent: string;
  service: string;
  provider: string;
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  cost: number;
  unpricedCalls: number;
}

/** The row's key; the minute zero-padded so keys sort by time first. */
const keyOf = (r: { minuteMs: number; agent: string; service: string; provider: string; model: string }) =>
  `${String(r.minuteMs).padStart(15, "0")}\u0000${r.agent}\u0000${r.service}\u0000${r.provider}\u0000${r.model}`;

function addInto(into: SpendRow, r: SpendRow): void {
  into.calls += r.calls;
  into.inputTokens += r.inputTokens;
  into.outputTokens += r.outputTokens;
  into.cacheReadTokens += r.cacheReadTokens;
  into.cacheCreationTokens += r.cacheCreationTokens;
  into.cost += r.cost;
  into.unpricedCalls += r.unpricedCalls;
}

/** A record as the row it adds. */
export const rowOf = (r: SpendRecord): SpendRow => ({
  minuteMs: r.minuteMs,
  agent: r.agent,
  service: r.service,
  provider: r.provider,
  model: r.model,
  calls: 1,
  inputTokens: r.inputTokens,
  outputTokens: r.outputTokens,
  cacheReadTokens: r.cacheReadTokens,
  cacheCreationTokens: r.cacheCreationTokens,
  cost: r.cost,
  unpricedCalls: r.unpriced ? 1 : 0,
});

/**
 * Spend not yet written, summed per (minute, agent, service, provider, model). Memory is bounded
 * by refusing new bodies while `full` (the receiver's job), so the map holds at most `maxRows`
 * plus the keys of the bodies accepted just before it filled.
 */
export class SpendBuffer {
  private rows = new Map<string, SpendRow>();
  constructor(readonly maxRows: number) {}

  get size(): number {
    return this.rows.size;
  }

  get full(): boolean {
    return this.rows.size >= this.maxRows;
  }

  add(row: SpendRow): void {
    const key = keyOf(row);
    const have = this.rows.get(key);
    if (have) addInto(have, row);
    else this.rows.set(key, { ...row });
  }

  /** Everything held, sorted by key (replicas then lock rows in one order), leaving the buffer empty. */
  take(): SpendRow[] {
    const taken = [...this.rows.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
    this.rows = new Map();
    return taken;
  }

  /** Puts back rows a failed write did not store, adding to what arrived meanwhile. */
  restore(rows: readonly SpendRow[]): void {
    for (const r of rows) this.add(r);
  }
}
