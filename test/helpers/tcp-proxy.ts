import net from "node:net";
import type { AddressInfo } from "node:net";
import { openDatabase, type Database } from "../../src/store/db.ts";
import { serverDatabase, serverUrl } from "./db.ts";

/** A TCP proxy on loopback that a test can cut (an outage) and restore, without touching the target. */
export interface TcpProxy {
  port: number;
  /** Drops every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    });
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      down = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      down = false;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * A migrated schema on the test server, reached two ways: `direct`, and `database` through a
 * proxy the test can cut to stage an outage. Closing it closes all three.
 */
export async function serverBehindProxy(): Promise<{
  direct: Database & { schema: string };
  proxy: TcpProxy;
  database: Database;
  [Symbol.asyncDispose](): Promise<void>;
}> {
  const direct = await serverDatabase();
  const target = new URL(serverUrl!);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const via = new URL(serverUrl!);
  via.port = String(proxy.port);
  const database = await openDatabase({ url: via.toString(), schema: direct.schema, maxConnections: 4 });
  return {
    direct,
    proxy,
    database,
    async [Symbol.asyncDispose]() {
      await database.close();
      await proxy.close();
      await direct.close();
    },
  };
}
