// The caller's signal aborts every request still in flight under it, and only those: requests
// that settled leave its list (swap-removal, src/agents/http-call.ts) whatever order they end in.
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson, requestsInFlight, type JsonReply } from "../../src/agents/http-call.ts";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";

/** Replies held by the server until the test releases them, by the request's `n`. */
const held = new Map<number, ServerResponse>();
let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer((req, res) => {
    held.set((req.body as { n: number }).n, res);
  });
});
afterAll(async () => {
  for (const res of held.values()) if (!res.writableEnded) res.destroy();
  await server.close();
});

const post = (n: number, signal: AbortSignal, timeoutMs = 20_000): Promise<JsonReply> =>
  postJson({ url: server.url, headers: {}, body: { n }, timeoutMs, maxBytes: 1024, signal });

async function arrived(count: number): Promise<void> {
  while (held.size < count) await new Promise((r) => setTimeout(r, 5));
}

const release = (n: number) => json(held.get(n)!, 200, { n });

describe("requests under one caller signal", () => {
  it("the caller's abort ends those still in flight after others settled out of order", async () => {
    held.clear();
    const caller = new AbortController();
    const calls = [1, 2, 3, 4, 5].map((n) => post(n, caller.signal));
    await arrived(5);
    // The first, then the middle, then the last: each removal moves another entry in the list.
    expect(requestsInFlight(caller.signal)).toBe(5);
    for (const n of [1, 3, 5]) {
      release(n);
      expect(await calls[n - 1]).toMatchObject({ ok: true, body: { n } });
    }
    // Settled requests leave the list (a finished one kept there would be held until the run ends).
    expect(requestsInFlight(caller.signal)).toBe(2);
    caller.abort(new Error("run stopped"));
    expect(await calls[1]).toMatchObject({ ok: false, error: { kind: "aborted" } });
    expect(await calls[3]).toMatchObject({ ok: false, error: { kind: "aborted" } });
    expect(requestsInFlight(caller.signal)).toBe(0);
  });

  it("a request started after another settled is still aborted", async () => {
    held.clear();
    const caller = new AbortController();
    const first = post(1, caller.signal);
    await arrived(1);
    release(1);
    expect(await first).toMatchObject({ ok: true });
    const second = post(2, caller.signal);
    await arrived(2);
    caller.abort();
    expect(await second).toMatchObject({ ok: false, error: { kind: "aborted" } });
  });

  it("a timeout ends only its own request; the others still answer", async () => {
    held.clear();
    const caller = new AbortController();
    const slow = post(1, caller.signal, 50);
    const other = post(2, caller.signal);
    await arrived(2);
    expect(await slow).toMatchObject({ ok: false, error: { kind: "timeout", message: "no reply within 50 ms" } });
    release(2);
    expect(await other).toMatchObject({ ok: true, body: { n: 2 } });
  });
});
