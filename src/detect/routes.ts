import type { Clock } from "../clock.ts";
import { bearerGuard } from "../server/auth.ts";
import { readJson, sendJson } from "../server/respond.ts";
import type { Routes } from "../server/router.ts";
import type { Db } from "../store/db.ts";
import { acceptLevel } from "./accept.ts";

/**
 * `POST /api/jobs/:job/baseline/accept` (bearer token; body `{comment?, by?}`): the job's open
 * accuracy incident becomes its new level, as `goldwatch baseline accept` does.
 */
export function baselineRoutes(deps: { db: () => Db; clock: Clock; jobs: () => readonly string[]; apiToken: string | undefined }): Routes {
  return {
    "POST /api/jobs/:job/baseline/accept": bearerGuard(deps.apiToken, async (req, res, params) => {
      const job = params.job ?? "";
      if (!deps.jobs().includes(job)) return sendJson(res, 404, { error: `unknown job "${job}"` });
      const body = (await readJson(req)) as { comment?: unknown; by?: unknown } | null | undefined;
      const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? v.slice(0, 500) : undefined);
      const comment = text(body?.comment);
      const by = text(body?.by);
      const result = await acceptLevel(deps.db(), job, { now: deps.clock.now(), ...(by ? { by } : {}), ...(comment ? { comment } : {}) });
      if (!result.ok) return sendJson(res, 409, { error: result.reason });
      sendJson(res, 200, { job, from: result.level.from, at: result.level.at });
    }),
  };
}
