import type { IncomingMessage, ServerResponse } from "node:http";

/** Path parameters of a matched route (`/api/jobs/:job/run` gives `{ job }`), URL-decoded. */
export type Params = Record<string, string>;

/** Answers one request; throwing gives a 500 without details. */
export type Handler = (req: IncomingMessage, res: ServerResponse, params: Params) => Promise<void> | void;

/** Route table: `"METHOD /path/:param"` → handler. Service modules each return one; service.ts merges them. */
export type Routes = Record<string, Handler>;

interface CompiledRoute {
  method: string;
  segments: string[];
  handler: Handler;
}

/** What a request matched. */
export type Match = { kind: "found"; handler: Handler; params: Params } | { kind: "not-found" } | { kind: "wrong-method"; allow: string[] };

/** Compiles a route table; rejects malformed keys at start rather than at the first request. */
export function compileRoutes(routes: Routes): (method: string, pathname: string) => Match {
  const compiled: CompiledRoute[] = Object.entries(routes).map(([key, handler]) => {
    const m = /^([A-Z]+) (\/\S*)$/.exec(key);
    if (!m) throw new Error(`route "${key}" must look like "GET /path" or "POST /api/jobs/:job/run"`);
    return { method: m[1]!, segments: m[2]!.split("/").slice(1), handler };
  });
  const matchPath = (route: CompiledRoute, parts: string[]): Params | undefined => {
    if (route.segments.length !== parts.length) return undefined;
    const params: Params = {};
    for (const [i, seg] of route.segments.entries()) {
      const part = parts[i]!;
      if (seg.startsWith(":")) {
        if (part === "") return undefined;
        try {
          params[seg.slice(1)] = decodeURIComponent(part);
        } catch {
          return undefined;
        }
      } else if (seg !== part) return undefined;
    }
    return params;
  };
  return (method, pathname) => {
    const parts = pathname.split("/").slice(1);
    const allow: string[] = [];
    for (const route of compiled) {
      const params = matchPath(route, parts);
      if (!params) continue;
      // HEAD is answered by GET handlers (node:http drops the body).
      if (route.method === method || (method === "HEAD" && route.method === "GET"))
        return { kind: "found", handler: route.handler, params };
      allow.push(route.method);
    }
    return allow.length > 0 ? { kind: "wrong-method", allow } : { kind: "not-found" };
  };
}
