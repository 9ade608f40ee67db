import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { BatchWriter } from "../../src/engine/batch-writer.ts";
import { ManualClock } from "../helpers/clock.ts";

/** A write the test settles by hand, one batch at a time. */
function gatedWrites() {
  const calls: Array<{ rows: number[]; settle(error?: Error): void }> = [];
  const stored: number[] = [];
  const write = (rows: number[]) =>
    new Promise<void>((resolve, reject) =>
      calls.push({
        rows,
        settle: (error) => {
          if (error) return reject(error);
          stored.push(...rows);
          resolve();
        },
      }),
    );
  return { calls, stored, write };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("BatchWriter", () => {
  it("writes up to `parallel` batches at once and makes producers wait when one more is queued", async () => {
    const { calls, stored, write } = gatedWrites();
    const writer = new BatchWriter<number>({ write, clock: systemClock, maxRows: 2, parallel: 3 });
    for (let i = 0; i < 6; i++) await writer.push(i); // three batches, three writers
    await tick();
    expect(calls.map((c) => c.rows)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);

    await writer.push(6);
    let pushed = false;
    const blocked = writer.push(7).then(() => (pushed = true)); // a fourth batch: queued, producer waits
    await tick();
    expect(calls).toHaveLength(3);
    expect(pushed).toBe(false);

    calls[1]!.settle(); // batches finish in any order; the queued one takes the free writer
    await blocked;
    expect(calls.map((c) => c.rows)[3]).toEqual([6, 7]);

    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    for (const c of [calls[0]!, calls[2]!, calls[3]!]) c.settle();
    await flushing;
    expect(stored.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(writer.written).toBe(8);
  });

  it("with one writer, writes batches one after another", async () => {
    const { calls, write } = gatedWrites();
    const writer = new BatchWriter<number>({ write, clock: systemClock, maxRows: 1 });
    await writer.push(1);
    const second = writer.push(2); // queued behind the first: waits
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.settle();
    await second;
    expect(calls).toHaveLength(2);
    calls[1]!.settle();
    await writer.flush();
    expect(writer.written).toBe(2);
  });

  it("retries a failed batch until it is stored, and gives up on a permanent error after maxAttempts", async () => {
    const sleeps: number[] = [];
    const clock = { now: () => new Date(), sleep: async (ms: number) => void sleeps.push(ms) };
    let failures = 2;
    const stored: number[] = [];
    // A full batch is cut at once: the only sleeps are the retry pauses (a partial one would also
    // sleep on the clock until it is cut).
    const writer = new BatchWriter<number>({
      clock,
      maxRows: 1,
      write: async (rows) => {
        if (failures-- > 0) throw new Error("connection refused");
        stored.push(...rows);
      },
    });
    await writer.push(1);
    await writer.flush();
    expect(stored).toEqual([1]);
    expect(sleeps).toHaveLength(2);

    const broken = new BatchWriter<number>({
      clock,
      maxRows: 10,
      maxAttempts: 3,
      isTransient: () => false,
      write: async () => {
        throw new Error("value too long");
      },
    });
    await broken.push(1);
    const failure = await broken.flush().then(
      () => undefined,
      (e: Error) => e,
    );
    // The cause says why; the message does not repeat it (a driver's message may quote the whole batch).
    expect(failure?.message).toBe("storing 1 rows failed after 3 attempts");
    expect((failure?.cause as Error).message).toBe("value too long");
    await expect(broken.push(2)).rejects.toThrow(/storing 1 rows failed/);
  });

  it("once the producer stops (signal), push no longer waits for a write that retries; abandon returns every row", async () => {
    const { calls, write } = gatedWrites();
    const stop = new AbortController();
    const writer = new BatchWriter<number>({ write, clock: systemClock, maxRows: 1, signal: stop.signal });
    await writer.push(0); // being written (the database hangs)
    let pushed = false;
    const blocked = writer.push(1).then(() => (pushed = true)); // queued behind it: waits for room
    await tick();
    expect(pushed).toBe(false);
    stop.abort();
    await blocked; // the run is stopping: its trial is queued, not held
    await writer.push(2); // and later ones do not wait either
    expect(calls).toHaveLength(1);
    expect(writer.abandon().sort()).toEqual([0, 1, 2]);
  });

  it("reports the rows of the batch that failed to its onRetry", async () => {
    let failures = 1;
    const seen: Array<[number, number]> = [];
    // Time stands still until the batch is full; then it moves past the retry pause.
    const clock = new ManualClock();
    const writer = new BatchWriter<number>({
      clock,
      maxRows: 3,
      write: async () => {
        if (failures-- > 0) throw new Error("connection refused");
      },
      onRetry: (_e, attempt, rows) => seen.push([attempt, rows]),
    });
    for (const i of [1, 2, 3]) await writer.push(i);
    const flushed = writer.flush();
    await clock.advance(5_000);
    await flushed;
    expect(seen).toEqual([[1, 3]]);
  });

  it("writes a partial batch once it has waited maxDelayMs on the clock", async () => {
    const { calls, write } = gatedWrites();
    const clock = new ManualClock();
    const writer = new BatchWriter<number>({ write, clock, maxRows: 10, maxDelayMs: 250 });
    await writer.push(1);
    await writer.push(2);
    await clock.advance(249);
    expect(calls).toHaveLength(0);
    await clock.advance(1);
    expect(calls.map((c) => c.rows)).toEqual([[1, 2]]);
    calls[0]!.settle();
    await writer.flush();
    expect(clock.waiting).toBe(0);
  });
});
