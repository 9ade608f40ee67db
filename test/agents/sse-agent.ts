import type { ServerResponse } from "node:http";
import { startFakeServer, type FakeServer } from "../helpers/agent-server.ts";

/** What the streaming agent did with one request. */
export interface StreamLog {
  /** Chunks written before the stream ended or the client went away. */
  sent: number;
  /** The client closed the connection before the stream was finished. */
  cancelled: boolean;
  finished: Promise<void>;
}

export interface StreamingAgent extends FakeServer {
  streams: StreamLog[];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes one server-sent event. */
export const sse = (res: ServerResponse, data: unknown) => res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);

/**
 * A local OpenAI-compatible agent that streams `chunk(i)` for i = 0, 1, … until it returns
 * undefined (then `[DONE]`), or until the client disconnects, or `max` chunks. Each stream is
 * logged, so a test can see that the request was cancelled and how far it got.
 */
export async function startStreamingAgent(
  chunk: (i: number) => unknown,
  opts: { max?: number; pauseMs?: number } = {},
): Promise<StreamingAgent> {
  const streams: StreamLog[] = [];
  const max = opts.max ?? 5_000;
  const server = await startFakeServer(async (_req, res) => {
    let resolve!: () => void;
    const log: StreamLog = { sent: 0, cancelled: false, finished: new Promise<void>((r) => (resolve = r)) };
    streams.push(log);
    let gone = false;
    res.on("close", () => {
      gone = true;
      if (!res.writableFinished) log.cancelled = true;
    });
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    try {
      for (let i = 0; i < max && !gone; i++) {
        const c = chunk(i);
        if (c === undefined) break;
        sse(res, c);
        log.sent++;
        await pause(opts.pauseMs ?? 1);
      }
      if (!gone) {
        sse(res, "[DONE]");
        res.end();
      }
    } finally {
      resolve();
    }
  });
  return Object.assign(server, { streams });
}

/** A streamed tool call: the agent calls `search_kb` with the same arguments again and again. */
export const loopingToolCall = (i: number, opts: { usage?: boolean; model?: string } = {}) => ({
  id: "chatcmpl-loop",
  object: "chat.completion.chunk",
  model: opts.model ?? "gpt-4o-mini-2024-07-18",
  choices: [
    {
      index: 0,
      delta: {
        tool_calls: [
          { index: i, id: `call_${i}`, type: "function", function: { name: "search_kb", arguments: '{"query":"refund window"}' } },
        ],
      },
      finish_reason: null,
    },
  ],
  // Some servers (vLLM's continuous usage stats) report cumulative usage on every chunk.
  ...(opts.usage ? { usage: { prompt_tokens: 100, completion_tokens: 20 * (i + 1), total_tokens: 100 + 20 * (i + 1) } } : {}),
});
