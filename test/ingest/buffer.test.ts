import { describe, expect, it } from "vitest";
import { rowOf, SpendBuffer, type SpendRow } from "../../src/ingest/buffer.ts";

const row = (over: Partial<SpendRow> = {}): SpendRow => ({
  minuteMs: 60_000,
  agent: "a",
  service: "s",
  provider: "p",
  model: "m",
  calls: 1,
  inputTokens: 10,
  outputTokens: 2,
  cacheReadTokens: 3,
  cacheCreationTokens: 4,
  cost: 0.5,
  unpricedCalls: 0,
  ...over,
});

describe("SpendBuffer", () => {
  it("sums rows of one key field by field, and keeps keys apart", () => {
    const b = new SpendBuffer(10);
    b.add(row());
    b.add(row({ calls: 2, inputTokens: 1, outputTokens: 1, cacheReadTokens: 1, cacheCreationTokens: 1, cost: 0.25, unpricedCalls: 1 }));
    b.add(row({ model: "n" }));
    b.add(row({ minuteMs: 120_000 }));
    b.add(row({ agent: "b" }));
    b.add(row({ service: "t" }));
    b.add(row({ provider: "q" }));
    expect(b.size).toBe(6);
    const taken = b.take();
    expect(b.size).toBe(0);
    expect(taken[0]).toEqual(
      row({ calls: 3, inputTokens: 11, outputTokens: 3, cacheReadTokens: 4, cacheCreationTokens: 5, cost: 0.75, unpricedCalls: 1 }),
    );
    // Sorted by key: minute, then agent, service, provider, model.
    expect(taken.map((r) => [r.minuteMs, r.agent, r.service, r.provider, r.model])).toEqual([
      [60_000, "a", "s", "p", "m"],
      [60_000, "a", "s", "p", "n"],
      [60_000, "a", "s", "q", "m"],
      [60_000, "a", "t", "p", "m"],
      [60_000, "b", "s", "p", "m"],
      [120_000, "a", "s", "p", "m"],
    ]);
  });

  it("does not share the caller's row; restore adds back to what arrived meanwhile; full at the bound", () => {
    const b = new SpendBuffer(2);
    const r = row();
    b.add(r);
    b.add(row());
    expect(r.calls).toBe(1);
    expect(b.full).toBe(false);
    const taken = b.take();
    b.add(row({ calls: 5 }));
    b.restore(taken);
    expect(b.take()).toEqual([row({ calls: 7, inputTokens: 30, outputTokens: 6, cacheReadTokens: 9, cacheCreationTokens: 12, cost: 1.5 })]);
    b.add(row());
    b.add(row({ model: "x" }));
    expect(b.full).toBe(true);
  });

  it("a record adds one call, unpriced when it has no price", () => {
    const rec = {
      minuteMs: 0,
      agent: "a",
      service: "s",
      provider: "p",
      model: "m",
      inputTokens: 1,
      outputTokens: 2,
      cacheReadTokens: 3,
      cacheCreationTokens: 4,
      cost: 0,
      unpriced: true,
    };
    expect(rowOf(rec)).toEqual({
      ...row({ minuteMs: 0, inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheCreationTokens: 4, cost: 0 }),
      unpricedCalls: 1,
    });
    expect(rowOf({ ...rec, unpriced: false }).unpricedCalls).toBe(0);
  });
});
