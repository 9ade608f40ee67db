// How much of the bare loop is fetch itself: the same requests through a minimal HTTP/1.1 client
// on Bun.connect, keep-alive, one request at a time per connection, replies framed by
// content-length (what bench/echo-agent.ts sends). Bench only: it handles none of what an agent
// call needs (chunked replies, TLS, redirects, compression, proxies, timeouts).

interface Socket {
  write(data: string): number;
  end(): void;
}

/** One keep-alive connection; `post` resolves with the reply's body. */
class Connection {
  #socket: Socket | undefined;
  /** Bytes received and not yet handed out: a reply may arrive in pieces. */
  #buffer: Buffer = Buffer.alloc(0);
  #waiting: { resolve(body: string): void; reject(e: Error): void } | undefined;

  static async open(port: number): Promise<Connection> {
    const c = new Connection();
    const bun = (globalThis as unknown as { Bun: { connect(o: unknown): Promise<Socket> } }).Bun;
    const lost = (why: string) => () => c.#fail(new Error(`raw connection ${why}`));
    c.#socket = await bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: { data: (_s: unknown, d: Uint8Array) => c.#received(d), error: lost("failed"), close: lost("closed") },
    });
    return c;
  }

  post(path: string, body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
      this.#socket!.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }

  close(): void {
    this.#socket?.end();
  }

  #fail(error: Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
  }

  #received(data: Uint8Array): void {
    // Copied: the runtime may reuse `data` for the next read.
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(data) : Buffer.concat([this.#buffer, data]);
    const head = this.#buffer.indexOf("\r\n\r\n");
    if (head < 0) return;
    const length = Number(/content-length: *(\d+)/i.exec(this.#buffer.toString("latin1", 0, head))?.[1] ?? 0);
    if (this.#buffer.length < head + 4 + length) return;
    const body = this.#buffer.toString("utf8", head + 4, head + 4 + length);
    this.#buffer = this.#buffer.subarray(head + 4 + length);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(body);
  }
}

/**
 * A `fetch` for the engine over the same raw connections (a pool, one request at a time on each):
 * what the engine would run at if its HTTP client cost what this one does. POST with a string
 * body and a content-length reply only; the signal is ignored, and a connection that fails rejects.
 */
export function rawFetch(): typeof fetch {
  const idle: Connection[] = [];
  const call = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const { port, pathname, search } = new URL(String(input));
    const c = idle.pop() ?? (await Connection.open(Number(port)));
    const body = await c.post(`${pathname}${search}`, String(init?.body ?? ""));
    idle.push(c);
    return new Response(body, {
      status: 200,
      headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
    });
  };
  return call as typeof fetch;
}

/** Requests per second of `n` POSTs at `concurrency` through raw sockets; undefined off Bun. */
export async function rawLoop(url: string, n: number, concurrency: number): Promise<number | undefined> {
  if (typeof (globalThis as { Bun?: unknown }).Bun === "undefined") return undefined;
  const { port, pathname } = new URL(url);
  const connections = await Promise.all(Array.from({ length: concurrency }, () => Connection.open(Number(port))));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    connections.map(async (c) => {
      while (next < n) {
        const i = next++;
        JSON.parse(await c.post(pathname, JSON.stringify({ message: `q${i}` })));
      }
    }),
  );
  const rate = n / ((performance.now() - started) / 1000);
  for (const c of connections) c.close();
  return rate;
}
