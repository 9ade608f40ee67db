import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export type Reply = (req: RecordedRequest, res: ServerResponse) => unknown;

/** A real HTTP server on loopback that plays an agent (or a judge, or Slack): tests script its replies. */
export interface FakeServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  reply: Reply;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startFakeServer(reply: Reply): Promise<FakeServer> {
  const state = { reply };
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const recorded = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: await readBody(req) };
    requests.push(recorded);
    try {
      await state.reply(recorded, res);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get reply() {
      return state.reply;
    },
    set reply(r: Reply) {
      state.reply = r;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Listens on a free loopback port; `close` also ends kept-alive connections (a test must not hang on them). */
export async function listenOnLoopback(server: Server): Promise<{ port: number; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return { port, close };
}

export const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
};
