import { bearerGuard } from "./auth.ts";
import { sendJson, sendText } from "./respond.ts";
import type { Routes } from "./router.ts";

/** What `POST /api/jobs/:job/run` can answer. */
export type TriggerResult =
  | { ok: true; runId: string }
  | { ok: false; reason: "unknown-job"; known: string[] }
  | { ok: false; reason: "busy" | "stopping" | "database" };

/** The service's probes, metrics and manual trigger, as narrow functions. */
export interface CoreRouteDeps {
  /** Readiness: each check's state; ready when all are "ok". */
  readiness(): Promise<Record<string, string>>;
  metrics(): Promise<{ contentType: string; body: string }>;
  /** Starts a manual run of a job (the same path as `goldwatch run <job>`). */
  trigger(job: string): Promise<TriggerResult>;
  /** GOLDWATCH_API_TOKEN; without it the trigger endpoint is off. */
  apiToken: string | undefined;
}

/** /healthz, /readyz, /metrics and POST /api/jobs/:job/run. */
export function coreRoutes(deps: CoreRouteDeps): Routes {
  return {
    // Liveness only: a database outage must not get the process restarted.
    "GET /healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
    "GET /readyz": async (_req, res) => {
      const checks = await deps.readiness();
      const ready = Object.values(checks).every((v) => v === "ok");
      sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", checks });
    },
    "GET /metrics": async (_req, res) => {
      const { contentType, body } = await deps.metrics();
      sendText(res, 200, body, contentType);
    },
    "POST /api/jobs/:job/run": bearerGuard(deps.apiToken, async (_req, res, params) => {
      const job = params.job!;
      const result = await deps.trigger(job);
      if (result.ok) return sendJson(res, 202, { job, runId: result.runId, status: "running" });
      if (result.reason === "unknown-job")
        return sendJson(res, 404, { error: `unknown job "${job}" (jobs: ${result.known.join(", ") || "none"})` });
      if (result.reason === "busy") return sendJson(res, 409, { error: `a run of "${job}" is already going` });
      if (result.reason === "database") return sendJson(res, 503, { error: "the database is unreachable; try again" });
      return sendJson(res, 503, { error: "the service is shutting down" });
    }),
  };
}
