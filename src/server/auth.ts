import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Handler } from "./router.ts";
import { sendJson } from "./respond.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Whether a request carries `Authorization: Bearer <token>`, compared in constant time. */
export function bearerMatcher(token: string): (req: IncomingMessage) => boolean {
  const expected = digest(token);
  return (req) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    return m !== null && timingSafeEqual(digest(m[1]!.trim()), expected);
  };
}

/**
 * Guards a handler with a bearer token. Without a token configured the endpoint is off (404, as
 * if it did not exist); a missing or wrong token is 401. Compared in constant time.
 */
export function bearerGuard(token: string | undefined, handler: Handler): Handler {
  if (!token) return (_req, res) => sendJson(res, 404, { error: "not found (set GOLDWATCH_API_TOKEN to enable this endpoint)" });
  const matches = bearerMatcher(token);
  return (req, res, params) => {
    if (!matches(req)) {
      sendJson(res, 401, { error: "missing or wrong bearer token" }, { "www-authenticate": 'Bearer realm="goldwatch"' });
      return;
    }
    return handler(req, res, params);
  };
}

/** The credential a request presents: a bearer token, or the password of HTTP basic auth (any user name). */
function presented(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? "";
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Checks a read request against the accepted tokens (the read token, and the API token, which
 * may do more). A browser gets the dashboard through basic auth: any user name, the token as the
 * password; scrapers and scripts send `Authorization: Bearer <token>`. Every token is compared,
 * in constant time, whichever matches.
 */
export function readAccess(tokens: readonly string[]): (req: IncomingMessage) => boolean {
  const expected = tokens.map(digest);
  return (req) => {
    const got = presented(req);
    if (got === undefined) return false;
    const d = digest(got);
    let ok = false;
    for (const e of expected) ok = timingSafeEqual(d, e) || ok;
    return ok;
  };
}

/** Challenges for a read without a valid token: basic first, so a browser asks for it. */
export const READ_CHALLENGES = ['Basic realm="goldwatch", charset="UTF-8"', 'Bearer realm="goldwatch"'];
