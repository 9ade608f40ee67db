import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.ts";
import { READ_CHALLENGES, readAccess } from "./auth.ts";
import { HttpError, sendJson } from "./respond.ts";
import { compileRoutes, type Routes } from "./router.ts";

export type { Handler, Params, Routes } from "./router.ts";
export { readJson, sendJson, sendText } from "./respond.ts";

/** The service's HTTP listener. */
export interface HttpServer {
  port: number;
  /** Stops accepting, closes idle keep-alive connections, waits for requests in flight. */
  stop(): Promise<void>;
}

function parseTarget(target: string | undefined): URL {
  try {
    return new URL(target ?? "/", "http://localhost");
  } catch {
    throw new HttpError(400, "bad request target");
  }
}

export interface HttpServerOptions {
  port: number;
  /** Interface to listen on; unset: every interface (IPv4 and IPv6). */
  host?: string;
  routes: Routes;
  log: Logger;
  /**
   * Tokens that may read: when any is given, every GET (the dashboard, alerts, silences, metrics)
   * needs one, except the probes. Writes keep their own guard (the API token).
   */
  readTokens?: readonly string[];
}

/**
 * Sent with every response. The strict CSP suits everything but the dashboard page, which
 * widens it for its own stylesheet (report/page.ts); framing is refused everywhere.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

/** Probes stay open with read authentication on: kubelets and load balancers send no token. */
const OPEN_PATHS = new Set(["/healthz", "/readyz"]);

/**
 * Serves a route table (node:http, no framework). Unknown paths are 404, known paths with
 * another method 405; a handler that throws gets a 500 and a log line, never a crash.
 */
export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServer> {
  const match = compileRoutes(opts.routes);
  const mayRead = opts.readTokens && opts.readTokens.length > 0 ? readAccess(opts.readTokens) : undefined;
  const server = createServer(async (req, res) => {
    let url = new URL("/", "http://localhost");
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    try {
      // Inside the try: a request target like "//x:99999/" is not a URL, and must get a 400, not hang.
      url = parseTarget(req.url);
      const method = req.method ?? "GET";
      // Before routing: without a token, not even which paths exist is told.
      if (mayRead && (method === "GET" || method === "HEAD") && !OPEN_PATHS.has(url.pathname) && !mayRead(req)) {
        res.setHeader("www-authenticate", READ_CHALLENGES);
        return sendJson(res, 401, { error: "missing or wrong token (GOLDWATCH_READ_TOKEN or GOLDWATCH_API_TOKEN)" });
      }
      const found = match(method, url.pathname);
      if (found.kind === "not-found") return sendJson(res, 404, { error: "not found" });
      if (found.kind === "wrong-method") return sendJson(res, 405, { error: "method not allowed" }, { allow: found.allow.join(", ") });
      await found.handler(req, res, found.params);
    } catch (e) {
      if (e instanceof HttpError) {
        if (!res.headersSent) sendJson(res, e.status, { error: e.message });
        return;
      }
      opts.log.error({ method: req.method, path: url.pathname, err: (e as Error).message }, "request failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    }
  });
  // A slow client must not hold a replica's shutdown: requests get 30 s.
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
