import type { Routes } from "../server/router.ts";
import { startReceiver, type IngestDeps, type Receiver } from "./receiver.ts";
import { ingestRoutes } from "./routes.ts";

export type { IngestDeps } from "./receiver.ts";
export type { SpanInput } from "./walk.ts";

/** The OTLP receiver as the service runs it: its routes, and its flush loop as a worker. */
export interface Ingest {
  routes: Routes;
  /** Stopped with the other workers: refuses new requests (503), then writes what it holds. */
  worker: Receiver;
}

/**
 * Production spend from OpenTelemetry GenAI spans: `POST /v1/traces` aggregates model calls per
 * minute × agent × service × provider × model into spend_minutes. Off (404) without `token`.
 */
export function startIngest(deps: IngestDeps & { token: string | undefined }): Ingest {
  const receiver = startReceiver(deps);
  return { routes: ingestRoutes({ receiver, log: deps.log, config: deps.config, token: deps.token, events: deps.events }), worker: receiver };
}
