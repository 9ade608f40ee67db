import { lt } from "drizzle-orm";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { ingestRawSpans } from "../store/tables/ingest-raw.ts";
import type { RawSpan } from "./walk.ts";

/** Sampled spans held between writes; past this they are dropped (debug data, never worth memory). */
const MAX_HELD = 2_000;
const ROWS_PER_INSERT = 500;
const RETENTION_EVERY_MS = 3_600_000;

/**
 * Debug sampling of GenAI spans into ingest_raw_spans: held, written with each flush, and deleted
 * past `retentionMs` (checked hourly). A failed write drops the sample with one log line: it is
 * not spend, and is never retried at the cost of memory.
 */
export function rawSampler(deps: { db: Db; clock: Clock; log: Logger; retentionMs: () => number }) {
  let held: RawSpan[] = [];
  let dropped = 0;
  let lastRetention = 0;
  return {
    add(s: RawSpan): void {
      if (held.length < MAX_HELD) held.push(s);
      else dropped++;
    },
    async write(): Promise<void> {
      const rows = held;
      held = [];
      const now = deps.clock.now();
      try {
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          await deps.db.insert(ingestRawSpans).values(
            rows.slice(i, i + ROWS_PER_INSERT).map((r) => ({
              receivedAt: now,
              at: r.at,
              traceId: r.traceId,
              spanId: r.spanId,
              parentSpanId: r.parentSpanId,
              service: r.service,
              kind: r.kind,
              agent: r.agent,
              model: r.model,
              costUsd: r.cost,
              unpriced: r.unpriced,
              reason: r.reason,
              attributes: r.attributes,
            })),
          );
        }
        if (now.getTime() - lastRetention >= RETENTION_EVERY_MS) {
          await deps.db.delete(ingestRawSpans).where(lt(ingestRawSpans.receivedAt, new Date(now.getTime() - deps.retentionMs())));
          lastRetention = now.getTime();
        }
      } catch (e) {
        deps.log.warn({ err: (e as Error).message, rows: rows.length }, "ingest: writing sampled spans failed; dropped");
      }
      if (dropped > 0) {
        deps.log.warn({ dropped }, "ingest: sampled spans dropped (more than the sample buffer holds between flushes)");
        dropped = 0;
      }
    },
  };
}
