import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { bearerGuard } from "../server/auth.ts";
import { readJson, sendJson } from "../server/respond.ts";
import type { Routes } from "../server/router.ts";
import type { AlertDeps } from "./index.ts";
import { parseSilenceInput } from "./silence-input.ts";
import { expireSilence, groupsByKey, insertSilence, listAlerts, listSilences, outboxByGroups } from "./store.ts";

const alertQuery = z.strictObject({
  state: z.enum(["open", "all", "firing", "pending", "resolved"]).default("open"),
  job: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

/** What the alert routes need: the database, time and a log. */
export type AlertRouteDeps = Pick<AlertDeps, "db" | "clock" | "log">;

const query = (req: IncomingMessage) => Object.fromEntries(new URL(req.url ?? "/", "http://localhost").searchParams);

/**
 * `GET /api/alerts` (open alerts by default, with where they were announced and how delivery went),
 * `GET /api/silences`, and, with the bearer token, `POST /api/silences` and
 * `DELETE /api/silences/:id`. Without `apiToken` the two writes are off.
 */
export function alertRoutes(deps: AlertRouteDeps, opts: { apiToken: string | undefined }): Routes {
  const { db, clock, log } = deps;
  return {
    "GET /api/alerts": async (req, res) => {
      const q = alertQuery.safeParse(query(req));
      if (!q.success)
        return sendJson(res, 400, { error: q.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ") });
      const rows = await listAlerts(db, { state: q.data.state, ...(q.data.job ? { job: q.data.job } : {}), limit: q.data.limit });
      const keys = [...new Set(rows.map((r) => r.groupKey).filter((k): k is string => k !== null))];
      const [groups, deliveries] = await Promise.all([groupsByKey(db, keys), outboxByGroups(db, keys)]);
      sendJson(res, 200, {
        alerts: rows.map((r) => {
          const g = r.groupKey ? groups.get(r.groupKey) : undefined;
          return {
            fingerprint: r.fingerprint,
            labels: r.labels,
            state: r.state,
            severity: r.severity,
            summary: r.summary,
            evidence: r.evidence,
            startsAt: r.startsAt,
            firedAt: r.firedAt,
            resolvedAt: r.resolvedAt,
            lastSeenAt: r.lastSeenAt,
            silencedBy: r.silencedBy,
            notified: r.notified,
            group: g
              ? {
                  key: g.groupKey,
                  openedAt: g.openedAt,
                  closedAt: g.closedAt,
                  slack: g.slackTs ? { channel: g.slackChannel, ts: g.slackTs } : null,
                }
              : null,
            deliveries: deliveries
              .filter((d) => d.groupKey === r.groupKey)
              .map((d) => ({
                channel: d.channel,
                kind: d.kind,
                status: d.status,
                attempts: d.attempts,
                lastError: d.lastError,
                sentAt: d.sentAt,
                nextAttemptAt: d.nextAttemptAt,
              })),
          };
        }),
      });
    },
    "GET /api/silences": async (req, res) => {
      const includeExpired = query(req).expired === "1" || query(req).expired === "true";
      const rows = await listSilences(db, { now: clock.now(), includeExpired });
      sendJson(res, 200, { silences: rows });
    },
    "POST /api/silences": bearerGuard(opts.apiToken, async (req, res) => {
      const now = clock.now();
      const parsed = parseSilenceInput(await readJson(req, 64 * 1024), now);
      if (!parsed.ok) return sendJson(res, 400, { error: `invalid silence: ${parsed.errors.join("; ")}`, issues: parsed.errors });
      const row = await insertSilence(db, parsed.silence, now);
      log.info({ silence: row.id, matchers: row.matchers, endsAt: row.endsAt, by: row.createdBy }, "silence created");
      sendJson(res, 201, { silence: row });
    }),
    "DELETE /api/silences/:id": bearerGuard(opts.apiToken, async (_req, res, params) => {
      const ok = await expireSilence(db, params.id!, clock.now());
      if (!ok) return sendJson(res, 404, { error: `no active silence "${params.id}"` });
      log.info({ silence: params.id }, "silence expired");
      sendJson(res, 200, { id: params.id, expired: true });
    }),
  };
}
