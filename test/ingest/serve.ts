import { createApp, type App } from "../../src/app.ts";
import type { Clock } from "../../src/clock.ts";
import { cronerBackend } from "../../src/cron/backend.ts";
import type { LoadedConfig } from "../../src/load/load.ts";
import { createLogger } from "../../src/log.ts";
import { startService, type Service } from "../../src/service.ts";
import type { Database } from "../../src/store/db.ts";
import { captureStream } from "../helpers/fixtures.ts";

/** The service in process with OTLP ingest on, and everything it logged (to check no secret is in it). */
export interface IngestService {
  app: App;
  service: Service;
  /** Its OTLP/HTTP traces endpoint, for the SDK exporter. */
  tracesUrl: string;
  /** Every line logged, at debug level. */
  logged: () => string;
  /** Stops the service. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * `goldwatch serve` as `startService` runs it, with GOLDWATCH_INGEST_TOKEN set to `token`, a
 * logger at debug that redacts the config's secrets, and `clock` (default: the system's) for
 * every worker. Stop it with `service.stop()` or by disposing of it.
 */
export async function serveWithIngest(
  loaded: LoadedConfig,
  database: Database,
  opts: { token: string; clock?: Clock },
): Promise<IngestService> {
  const out = captureStream();
  const app = createApp(loaded, database, createLogger({ secrets: loaded.secrets, destination: out.stream, level: "debug" }), opts.clock);
  const service = await startService(app, { env: { GOLDWATCH_INGEST_TOKEN: opts.token }, watch: false, backend: cronerBackend });
  return {
    app,
    service,
    tracesUrl: `http://127.0.0.1:${service.port}/v1/traces`,
    logged: out.text,
    [Symbol.asyncDispose]: () => service.stop(),
  };
}
