import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOnLoopback } from "./agent-server.ts";

/** A message as the fake Slack keeps it: a root post or a thread reply, with its later edits. */
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  attachments: { color?: string; fallback?: string; blocks?: unknown[] }[];
  blocks: unknown[];
  threadTs?: string;
  replyBroadcast: boolean;
  /** Each chat.update, in order (the message fields above show the latest). */
  updates: { text: string; attachments: SlackMessage["attachments"] }[];
  /** Message metadata as posted ({event_type, event_payload}). */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/** Every request, whatever the answer. */
export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  authorization: string | undefined;
  status: number;
  error?: string;
}

/** What the next request gets instead of the normal answer. */
export type SlackStep =
  | { rateLimited: number } // HTTP 429 with Retry-After seconds
  | { error: string } // 200 {ok:false, error}
  | { status: number } // an HTTP error (503 and friends)
  | { drop: true }; // the connection is cut

/** A Slack-compatible Web API on loopback for the real @slack/web-api client (`slackApiUrl`). */
export interface FakeSlack {
  /** Give this to the WebClient as slackApiUrl (or notify.slack.api_url). */
  apiUrl: string;
  calls: SlackCall[];
  /** Successful chat.postMessage calls, in order. */
  messages: SlackMessage[];
  /** Root messages (not thread replies). */
  roots(): SlackMessage[];
  /** Replies in the thread of a root. */
  replies(root: SlackMessage): SlackMessage[];
  /** Queues answers for the next requests, one each. */
  script(...steps: SlackStep[]): void;
  /** Every request answers 503 until up() (a Slack outage). */
  down(): void;
  up(): void;
  /** Milliseconds every answer waits (to hold requests in flight). */
  delayMs: number;
  /** Called once a chat.postMessage is recorded, before it is answered (to stage a fault then). */
  onPost?: (msg: SlackMessage) => void | Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function readArgs(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if ((req.headers["content-type"] ?? "").includes("application/json")) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    // The client sends objects (attachments, blocks) as JSON strings inside the form.
    out[k] = (k === "attachments" || k === "blocks" || k === "metadata") && /^[[{]/.test(v) ? JSON.parse(v) : v;
  }
  return out;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers }).end(JSON.stringify(body));

/**
 * Starts the fake Slack. `token` (when given) is the only bearer token accepted (others:
 * invalid_auth); `channels` (when given) are the only channel names that exist (others:
 * channel_not_found). Channel names map to stable ids like Slack's (C…).
 */
export async function startFakeSlack(opts: { token?: string; channels?: string[] } = {}): Promise<FakeSlack> {
  const calls: SlackCall[] = [];
  const messages: SlackMessage[] = [];
  const steps: SlackStep[] = [];
  let outage = false;
  let seq = 0;
  const ids = new Map<string, string>();
  const channelId = (name: string) => {
    if (/^C[A-Z0-9]+$/.test(name)) return name;
    if (!ids.has(name)) ids.set(name, `C${String(ids.size + 1).padStart(8, "0")}`);
    return ids.get(name)!;
  };
  const state = { delayMs: 0 };

  const server = createServer(async (req, res) => {
    const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0]!;
    const args = await readArgs(req);
    const call: SlackCall = { method, args, authorization: req.headers.authorization, status: 200 };
    calls.push(call);
    if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
    const fail = (error: string) => {
      call.error = error;
      json(res, 200, { ok: false, error });
    };
    if (outage) {
      call.status = 503;
      return json(res, 503, { ok: false, error: "service_unavailable" });
    }
    const step = steps.shift();
    if (step) {
      if ("rateLimited" in step) {
        call.status = 429;
        return json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(step.rateLimited) });
      }
      if ("error" in step) return fail(step.error);
      if ("status" in step) {
        call.status = step.status;
        return json(res, step.status, { ok: false });
      }
      call.status = 0;
      return req.socket.destroy();
    }
    if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) return fail("invalid_auth");
    const channelName = String(args.channel ?? "");
    if (opts.channels && !opts.channels.includes(channelName) && !/^C[A-Z0-9]+$/.test(channelName)) return fail("channel_not_found");
    if (method === "chat.postMessage") {
      const channel = channelId(channelName);
      seq++;
      // Slack's ts is the post's Unix time (history's `oldest` compares against it), unique per channel.
      const ts = `${Math.floor(Date.now() / 1000)}.${String(seq).padStart(6, "0")}`;
      const msg: SlackMessage = {
        channel,
        ts,
        text: String(args.text ?? ""),
        attachments: (args.attachments as SlackMessage["attachments"]) ?? [],
        blocks: (args.blocks as unknown[]) ?? [],
        ...(args.thread_ts ? { threadTs: String(args.thread_ts) } : {}),
        replyBroadcast: args.reply_broadcast === "true" || args.reply_broadcast === true,
        updates: [],
        ...(args.metadata ? { metadata: args.metadata as SlackMessage["metadata"] & object } : {}),
      };
      messages.push(msg);
      await fake.onPost?.(msg);
      return json(res, 200, { ok: true, channel, ts, message: { text: msg.text, ts } });
    }
    if (method === "chat.update") {
      const msg = messages.find((m) => m.channel === args.channel && m.ts === args.ts);
      if (!msg) return fail("message_not_found");
      msg.text = String(args.text ?? "");
      msg.attachments = (args.attachments as SlackMessage["attachments"]) ?? [];
      msg.updates.push({ text: msg.text, attachments: msg.attachments });
      return json(res, 200, { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text });
    }
    if (method === "conversations.history") {
      // Like Slack: a channel id only (a name is channel_not_found), newest first, roots only,
      // metadata only when asked for.
      if (!/^C[A-Z0-9]+$/.test(channelName)) return fail("channel_not_found");
      const oldest = Number(args.oldest ?? 0);
      const withMetadata = args.include_all_metadata === true || args.include_all_metadata === "true";
      const found = messages
        .filter((m) => m.channel === channelName && !m.threadTs && Number(m.ts) > oldest)
        .reverse()
        .slice(0, Number(args.limit ?? 100))
        .map((m) => ({ type: "message", ts: m.ts, text: m.text, ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) }));
      return json(res, 200, { ok: true, messages: found, has_more: false });
    }
    if (method === "conversations.replies") {
      // The thread of `ts`: its root first, then the replies, with metadata when asked for.
      const withMetadata = args.include_all_metadata === true || args.include_all_metadata === "true";
      const thread = messages
        .filter((m) => m.channel === channelName && (m.ts === args.ts || m.threadTs === args.ts))
        .map((m) => ({ type: "message", ts: m.ts, text: m.text, ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) }));
      if (thread.length === 0) return fail("thread_not_found");
      return json(res, 200, { ok: true, messages: thread, has_more: false });
    }
    return fail("unknown_method");
  });
  const { port, close } = await listenOnLoopback(server);
  const fake: FakeSlack = {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    messages,
    roots: () => messages.filter((m) => !m.threadTs),
    replies: (root) => messages.filter((m) => m.threadTs === root.ts && m.channel === root.channel),
    script: (...s) => steps.push(...s),
    down: () => {
      outage = true;
    },
    up: () => {
      outage = false;
    },
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
  return fake;
}
