import { systemClock } from "../../src/clock.ts";
import type { IngestConfig } from "../../src/config/schema.ts";
import type { Events } from "../../src/engine/events.ts";
import { startIngest, type Ingest, type SpanInput } from "../../src/ingest/index.ts";
import { silentLogger } from "../../src/log.ts";
import type { PriceTable } from "../../src/pricing.ts";
import { startHttpServer } from "../../src/server/http.ts";
import type { Db } from "../../src/store/db.ts";

/** A receiver listening on loopback: its base URL (no path) and how to stop it and its server. */
export interface ListeningIngest {
  ingest: Ingest;
  url: string;
  stop(): Promise<void>;
}

/** The OTLP receiver's routes on a loopback HTTP server over `db`, on the system clock, logging nothing. */
export async function listenIngest(
  db: Db,
  opts: { config: IngestConfig; token: string | undefined; prices?: PriceTable; onInput?: (s: SpanInput) => void; events?: Events },
): Promise<ListeningIngest> {
  const ingest = startIngest({
    db,
    clock: systemClock,
    log: silentLogger(),
    config: () => opts.config,
    prices: () => opts.prices ?? {},
    token: opts.token,
    ...(opts.onInput ? { onInput: opts.onInput } : {}),
    events: opts.events,
  });
  const http = await startHttpServer({ port: 0, host: "127.0.0.1", routes: ingest.routes, log: silentLogger() });
  return {
    ingest,
    url: `http://127.0.0.1:${http.port}`,
    async stop() {
      await ingest.worker.stop();
      await http.stop();
    },
  };
}
