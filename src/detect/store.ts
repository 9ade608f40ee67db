// The detectors' database side: load a run's history and the previous detection record;
// store the new record and annotations. Reads run rows (aggregates), never a history of trials.
import { and, desc, eq, inArray, lte, ne, sql } from "drizzle-orm";
import { toRunRow } from "../engine/run-row.ts";
import type { RunSummary } from "../engine/summary.ts";
import { queryRows, type Db } from "../store/db.ts";
import type { RunRow } from "../store/runs.ts";
import { runs } from "../store/schema.ts";
import { annotations } from "../store/tables/annotations.ts";
import { detectionRuns } from "../store/tables/detection.ts";
import type { HistoryNeed } from "./policy.ts";
import type { AcceptedLevel, CaseStat, DetectionRecord, RunPoint } from "./types.ts";

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : Number(v) || 0);

/** The columns of a run row the detectors read. */
export type RunPointRow = Pick<
  RunRow,
  | "id"
  | "job"
  | "agent"
  | "status"
  | "startedAt"
  | "goldenHash"
  | "judgeModel"
  | "caseStats"
  | "trials"
  | "scored"
  | "errored"
  | "budgetExceeded"
  | "costUsd"
  | "p95Ms"
  | "accuracy"
  | "ciLow"
  | "ciHigh"
  | "agentModel"
  | "agentFingerprint"
>;

/** The detectors' view of a stored run row. */
export function runPointOf(row: RunPointRow, runaway?: number, incident?: boolean): RunPoint {
  const cases: CaseStat[] = Array.isArray(row.caseStats)
    ? (row.caseStats as Record<string, unknown>[]).map((c) => ({
        id: String(c.id),
        scored: num(c.scored),
        passes: num(c.passes),
        trials: num(c.trials),
        errors: num(c.errors),
        budgetExceeded: num(c.budgetExceeded),
      }))
    : [];
  // Why trials ran away, summed over the cases (case_stats carry it since runs count it).
  const by: Record<string, number> = {};
  if (Array.isArray(row.caseStats))
    for (const c of row.caseStats as { runawayBy?: Record<string, unknown> }[])
      for (const [k, v] of Object.entries(c.runawayBy ?? {})) by[k] = (by[k] ?? 0) + num(v);
  return {
    id: row.id,
    job: row.job,
    agent: row.agent,
    status: row.status,
    startedAt: row.startedAt,
    goldenHash: row.goldenHash,
    judgeModel: row.judgeModel,
    cases,
    trials: row.trials,
    scored: row.scored,
    errored: row.errored,
    budgetExceeded: row.budgetExceeded,
    ...(runaway !== undefined ? { runaway } : {}),
    ...(Object.keys(by).length > 0 ? { runawayBy: by } : {}),
    costUsd: row.costUsd,
    p95Ms: row.p95Ms,
    accuracy:
      row.accuracy !== null && row.ciLow !== null && row.ciHigh !== null
        ? { estimate: row.accuracy, low: row.ciLow, high: row.ciHigh }
        : null,
    model: row.agentModel,
    fingerprint: row.agentFingerprint,
    ...(incident ? { incident } : {}),
  };
}

/**
 * The detectors' view of a run that just finished: its row as stored (the engine's one mapping,
 * src/engine/run-row.ts) read like its history's rows, with the runaway trials it counted.
 */
export function finishedRunPoint(summary: RunSummary): RunPoint {
  return runPointOf(toRunRow(summary), summary.runaway);
}

/** A run's comparable history the detectors need, plus the job's previous detection record. */
export interface LoadedHistory {
  history: RunPoint[];
  previous: DetectionRecord | undefined;
  accepted: AcceptedLevel | undefined;
}

/**
 * Loads the completed runs of the same job and agent as `run` that started before it (the newest
 * `need.recent`, and older ones outside incidents up to `need.clear` of those) (gate runs
 * excluded: they are another agent's audition, not the job's history), with the runaway counts
 * their detection records kept, and the job's newest detection record but `run`'s own.
 */
export async function loadHistory(
  db: Db,
  run: Pick<RunPoint, "id" | "job" | "agent" | "startedAt">,
  need: HistoryNeed,
): Promise<LoadedHistory> {
  const comparable = and(
    eq(runs.job, run.job),
    eq(runs.agent, run.agent),
    eq(runs.status, "completed"),
    ne(runs.trigger, "gate"),
    ne(runs.id, run.id),
    lte(runs.startedAt, run.startedAt),
  );
  const newest = await db.select().from(runs).where(comparable).orderBy(desc(runs.startedAt)).limit(need.recent);
  // Older runs outside incidents, so a long incident cannot shrink the baseline (trimHistory's rule).
  const clear = await db
    .select({ run: runs })
    .from(runs)
    .leftJoin(detectionRuns, eq(detectionRuns.runId, runs.id))
    .where(and(comparable, sql`coalesce(${detectionRuns.incident}, false) = false`))
    .orderBy(desc(runs.startedAt))
    .limit(need.clear);
  const byId = new Map([...newest, ...clear.map((c) => c.run)].map((r) => [r.id, r]));
  const rows = [...byId.values()].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  const records =
    rows.length > 0
      ? await db
          .select({ runId: detectionRuns.runId, runaway: detectionRuns.runaway, incident: detectionRuns.incident })
          .from(detectionRuns)
          .where(
            inArray(
              detectionRuns.runId,
              rows.map((r) => r.id),
            ),
          )
      : [];
  const runaway = new Map(records.map((r) => [r.runId, r.runaway]));
  const incident = new Map(records.map((r) => [r.runId, r.incident]));
  const [prev] = await db
    .select()
    .from(detectionRuns)
    .where(and(eq(detectionRuns.job, run.job), eq(detectionRuns.agent, run.agent), ne(detectionRuns.runId, run.id)))
    .orderBy(desc(detectionRuns.startedAt))
    .limit(1);
  return {
    history: rows.map((r) => runPointOf(r, runaway.get(r.id), incident.get(r.id))),
    previous: prev ? recordOf(prev) : undefined,
    accepted: await acceptedLevel(db, run.job),
  };
}

function recordOf(row: typeof detectionRuns.$inferSelect): DetectionRecord {
  return {
    runId: row.runId,
    job: row.job,
    agent: row.agent,
    startedAt: row.startedAt,
    baselineKey: row.baselineKey,
    baselineRuns: row.baselineRuns,
    drop: row.drop,
    sigma: row.sigma,
    z: row.z,
    dropP: row.dropP,
    incident: row.incident,
    incidentSince: row.incidentSince,
    incidentClearRuns: row.incidentClearRuns,
    cusum: row.cusum,
    cusumRun: row.cusumRun,
    runaway: row.runaway,
    findings: Array.isArray(row.findings) ? (row.findings as string[]) : [],
  };
}

/** Stores a run's detection record; detecting the same run again replaces it. */
export async function saveDetection(db: Db, record: DetectionRecord, at: Date): Promise<void> {
  const values = { ...record, createdAt: at };
  const { runId: _key, ...update } = values;
  await db.insert(detectionRuns).values(values).onConflictDoUpdate({ target: detectionRuns.runId, set: update });
}

/** The annotation kind `goldwatch baseline accept` records. */
export const ACCEPT_KIND = "baseline_accept";

/** The newest level accepted as the job's new normal, if any. */
export async function acceptedLevel(db: Db, job: string): Promise<AcceptedLevel | undefined> {
  const [row] = await db
    .select()
    .from(annotations)
    .where(and(eq(annotations.job, job), eq(annotations.kind, ACCEPT_KIND)))
    .orderBy(desc(annotations.at), desc(annotations.id))
    .limit(1);
  const from = (row?.data as { from?: unknown } | null)?.from;
  return row && typeof from === "string" ? { from: new Date(from), at: row.at } : undefined;
}

/** The job's newest detection record, if any. */
export async function latestDetection(db: Db, job: string): Promise<DetectionRecord | undefined> {
  const [row] = await db.select().from(detectionRuns).where(eq(detectionRuns.job, job)).orderBy(desc(detectionRuns.startedAt)).limit(1);
  return row ? recordOf(row) : undefined;
}

/** Records an annotation on a job's timeline. */
export async function insertAnnotation(
  db: Db,
  a: { job: string; agent?: string; at: Date; kind: string; message: string; runId?: string; data?: unknown },
): Promise<void> {
  await db.insert(annotations).values({
    job: a.job,
    agent: a.agent ?? null,
    at: a.at,
    kind: a.kind,
    message: a.message,
    runId: a.runId ?? null,
    data: a.data ?? null,
  });
}

/** A job's annotations, oldest first. */
export async function listAnnotations(db: Db, job: string): Promise<(typeof annotations.$inferSelect)[]> {
  return db.select().from(annotations).where(eq(annotations.job, job)).orderBy(annotations.at, annotations.id);
}

/** When each job's last completed (non-gate) run started. */
export async function lastCompletedRuns(db: Db): Promise<Map<string, { agent: string; startedAt: Date }>> {
  const rows = await queryRows<{ job: string; agent: string; started_at: unknown }>(
    db,
    sql`select distinct on (job) job, agent, started_at from runs
        where status = 'completed' and trigger <> 'gate' order by job, started_at desc`,
  );
  return new Map(rows.map((r) => [r.job, { agent: r.agent, startedAt: new Date(r.started_at as string) }]));
}
