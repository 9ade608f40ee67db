import { createHash, timingSafeEqual } from "node:crypto";
import type { Handler } from "./router.ts";
import { sendJson } from "./respond.ts";

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Guards a handler with a bearer token. Without a token configured the endpoint is off (404, as
 * if it did not exist); a missing or wrong token is 401. Compared in constant time.
 */
export function bearerGuard(token: string | undefined, handler: Handler): Handler {
  if (!token) return (_req, res) => sendJson(res, 404, { error: "not found (set GOLDWATCH_API_TOKEN to enable this endpoint)" });
  const expected = digest(token);
  return (req, res, params) => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), expected)) {
      sendJson(res, 401, { error: "missing or wrong bearer token" }, { "www-authenticate": 'Bearer realm="goldwatch"' });
      return;
    }
    return handler(req, res, params);
  };
}
