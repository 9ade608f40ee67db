// On Node, agent requests go through a pool of their origin, unless the process's global
// dispatcher was replaced (a proxy, as Node's NODE_USE_ENV_PROXY sets up): then through it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from "undici";
import { rawPost } from "../../src/agents/node-post.ts";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";

/** A dispatcher that records where each request goes, then sends it as an Agent would. */
class RecordingDispatcher extends Agent {
  readonly seen: string[] = [];
  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    this.seen.push(`${String(opts.origin)}${opts.path}`);
    return super.dispatch(opts, handler);
  }
}

let server: FakeServer;
beforeAll(async () => {
  server = await startFakeServer((_req, res) => json(res, 200, { answer: "ok" }));
});
afterAll(() => server.close());

const post = (path: string) =>
  rawPost({
    url: `${server.url}${path}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
    signal: new AbortController().signal,
  });

describe("agent requests on Node", () => {
  it("go through the replaced global dispatcher, query string and all, and still answer", async () => {
    const previous = getGlobalDispatcher();
    const recording = new RecordingDispatcher();
    setGlobalDispatcher(recording);
    try {
      const reply = await post("/agent?v=2");
      expect(reply.status).toBe(200);
      expect(JSON.parse((await reply.read(1024))!)).toEqual({ answer: "ok" });
      expect(recording.seen).toEqual([`${server.url}/agent?v=2`]);
    } finally {
      setGlobalDispatcher(previous);
      await recording.close();
    }
  });

  it("with the default dispatcher, go to the origin's own pool: the dispatcher sees none of them", async () => {
    const previous = getGlobalDispatcher();
    const plain = new (class Agent extends RecordingDispatcher {})(); // named Agent: as the default one is
    setGlobalDispatcher(plain);
    try {
      const reply = await post("/agent?v=3");
      expect(reply.status).toBe(200);
      reply.discard();
      expect(plain.seen).toEqual([]);
      expect(server.requests.at(-1)?.url).toBe("/agent?v=3");
    } finally {
      setGlobalDispatcher(previous);
      await plain.close();
    }
  });
});
