import { and, inArray, ne } from "drizzle-orm";
import type { Db } from "../store/db.ts";
import { trials } from "../store/schema.ts";
import type { TrialCost } from "./compare.ts";

/** Cost and latency of every trial of the given runs that got a reply, by run. */
export async function loadTrialCosts(db: Db, runIds: readonly string[]): Promise<Map<string, TrialCost[]>> {
  const rows = await db
    .select({ runId: trials.runId, caseId: trials.caseId, costUsd: trials.costUsd, latencyMs: trials.latencyMs })
    .from(trials)
    .where(and(inArray(trials.runId, [...runIds]), ne(trials.status, "error")));
  const out = new Map<string, TrialCost[]>(runIds.map((id) => [id, []]));
  for (const r of rows) out.get(r.runId)?.push({ caseId: r.caseId, costUsd: r.costUsd, latencyMs: r.latencyMs });
  return out;
}
