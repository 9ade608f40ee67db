import { sql } from "drizzle-orm";
import { backoffMs } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import type { Logger } from "../log.ts";
import { startPeriodic } from "../periodic.ts";
import type { Db } from "./db.ts";
import { queryRows } from "./db.ts";

// Trials are range-partitioned on started_at (migration 0003): one partition per UTC month,
// named trials_pYYYYMM, plus trials_default for rows no month covers yet. Run-level rows (runs)
// are never touched here: reports read them, so history outlives the trials.

const PARTITION_NAME = /^trials_p(\d{4})(\d{2})$/;
/** Serialises maintenance across replicas (transaction-scoped, so poolers cannot strand it). */
const MAINTENANCE_LOCK = 7420114;
const DAY_MS = 86_400_000;
/** After a failed pass: retried in 1 minute, doubling to at most 64 minutes (or the interval). */
const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 64 * 60_000;

/** The first instant (UTC) of the month containing `d`. */
export function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** The month `n` months after the one starting at `month`. */
export function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

/** The partition holding the trials of the month starting at `month`. */
export function partitionName(month: Date): string {
  return `trials_p${month.getUTCFullYear()}${String(month.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The month a partition name stands for; undefined for names this module did not create. */
export function partitionMonth(name: string): Date | undefined {
  const m = PARTITION_NAME.exec(name);
  if (!m) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? new Date(Date.UTC(Number(m[1]), month - 1, 1)) : undefined;
}

export interface PartitionOptions {
  /** Trials older than this are dropped, a whole month at a time. */
  retentionMs: number;
  /** Months after the current one to create ahead of time (default 2). */
  monthsAhead?: number;
}

/** What maintenance will do. */
export interface PartitionPlan {
  /** Months (first instant, UTC) whose partition must be created. */
  create: Date[];
  /** Partitions whose every possible row is older than the retention cutoff. */
  drop: string[];
  /** Rows of the default partition before this instant are deleted (same rule as a drop). */
  purgeDefaultBefore: Date;
}

/**
 * Decides which monthly partitions to create and drop. Pure: a function of the existing
 * partitions, the months that have rows stranded in the default partition, and the time.
 * A month is dropped only when it ends at or before `now - retention`, so retention keeps
 * between `retention` and `retention + 1 month` of trials.
 */
export function planPartitions(
  existing: readonly string[],
  defaultMonths: readonly Date[],
  now: Date,
  opts: PartitionOptions,
): PartitionPlan {
  const ahead = opts.monthsAhead ?? 2;
  const cutoff = new Date(now.getTime() - opts.retentionMs);
  const firstKept = monthStart(cutoff);
  const have = new Set(existing);
  const wanted = new Map<string, Date>();
  const current = monthStart(now);
  for (let i = 0; i <= ahead; i++) wanted.set(partitionName(addMonths(current, i)), addMonths(current, i));
  // Rows stranded in the default partition (written before their month existed) get a
  // partition too, so they leave the default and later drop with their month.
  for (const m of defaultMonths) {
    const month = monthStart(m);
    if (month >= firstKept) wanted.set(partitionName(month), month);
  }
  const create = [...wanted.entries()]
    .filter(([name]) => !have.has(name))
    .map(([, month]) => month)
    .sort((a, b) => a.getTime() - b.getTime());
  const drop = existing
    .filter((name) => {
      const month = partitionMonth(name);
      return month !== undefined && addMonths(month, 1) <= firstKept;
    })
    .sort();
  return { create, drop, purgeDefaultBefore: firstKept };
}

/** What one maintenance pass did. */
export interface MaintenanceResult {
  created: string[];
  dropped: string[];
  /** Rows moved out of the default partition into the monthly partitions just created. */
  moved: number;
  /** Rows deleted from the default partition by retention. */
  purged: number;
}

/** The monthly partitions of `trials` in the current schema. */
export async function listPartitions(db: Db): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name
        from pg_inherits i
        join pg_class c on c.oid = i.inhrelid
        join pg_class p on p.oid = i.inhparent
        join pg_namespace n on n.oid = p.relnamespace
        where p.relname = 'trials' and n.nspname = current_schema()
        order by 1`,
  );
  return rows.map((r) => r.name).filter((n) => partitionMonth(n) !== undefined);
}

const iso = (d: Date) => d.toISOString();

/**
 * Creates the partitions ahead of time (current month and `monthsAhead` more), moves rows out of
 * the default partition, and drops whole months past retention. One transaction under an
 * advisory lock: replicas running it together do the work once.
 */
export async function maintainPartitions(db: Db, now: Date, opts: PartitionOptions): Promise<MaintenanceResult> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MAINTENANCE_LOCK})`);
    // ATTACH and DROP queue for strong locks on trials; behind a long reader they would hold every
    // trial insert in that queue too. Give up instead (the loop retries soon).
    await tx.execute(sql`set local lock_timeout = '5s'`);
    const existing = await listPartitions(tx);
    const stranded = await queryRows<{ month: Date | string }>(
      tx,
      sql`select distinct date_trunc('month', started_at at time zone 'UTC') at time zone 'UTC' as month from trials_default`,
    );
    const plan = planPartitions(
      existing,
      stranded.map((r) => new Date(r.month)),
      now,
      opts,
    );
    const result: MaintenanceResult = { created: [], dropped: [], moved: 0, purged: 0 };
    for (const month of plan.create) {
      const name = partitionName(month);
      const from = iso(month);
      const to = iso(addMonths(month, 1));
      // Create standalone, fill from the default partition, then attach: CREATE ... PARTITION OF
      // would fail while the default holds rows of that month, and ATTACH locks the parent less.
      await tx.execute(sql.raw(`CREATE TABLE "${name}" (LIKE "trials" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)`));
      const moved = await queryRows<{ n: number }>(
        tx,
        sql.raw(
          `WITH moved AS (DELETE FROM "trials_default" WHERE started_at >= '${from}' AND started_at < '${to}' RETURNING *)
           , ins AS (INSERT INTO "${name}" SELECT * FROM moved RETURNING 1) SELECT count(*)::int AS n FROM ins`,
        ),
      );
      result.moved += Number(moved[0]?.n ?? 0);
      await tx.execute(sql.raw(`ALTER TABLE "trials" ATTACH PARTITION "${name}" FOR VALUES FROM ('${from}') TO ('${to}')`));
      result.created.push(name);
    }
    for (const name of plan.drop) {
      await tx.execute(sql.raw(`DROP TABLE "${name}"`));
      result.dropped.push(name);
    }
    const purged = await queryRows<{ n: number }>(
      tx,
      sql`with gone as (delete from trials_default where started_at < ${iso(plan.purgeDefaultBefore)}::timestamptz returning 1) select count(*)::int as n from gone`,
    );
    result.purged = Number(purged[0]?.n ?? 0);
    return result;
  });
}

export interface MaintenanceDeps {
  db: Db;
  clock: Clock;
  log: Logger;
}

/** A running maintenance loop: a service worker. */
export interface MaintenanceLoop {
  readonly name: "partitions";
  /** Resolves once the first pass has finished (or failed and been logged). */
  readonly firstPass: Promise<void>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Runs `maintainPartitions` now and then every `intervalMs` (default daily). A failure (database
 * down) is logged and retried sooner, with capped jittered backoff; it never stops the service.
 * Daily is ample: partitions exist `monthsAhead` months before they are needed. `options` is read
 * before each pass, so a reloaded `retention.trials` applies from the next one.
 */
export function startPartitionMaintenance(
  deps: MaintenanceDeps,
  options: () => PartitionOptions & { intervalMs?: number },
): MaintenanceLoop {
  let resolveFirst!: () => void;
  const firstPass = new Promise<void>((r) => (resolveFirst = r));
  let failures = 0;
  const pass = async (): Promise<number> => {
    const opts = options();
    const interval = opts.intervalMs ?? DAY_MS;
    try {
      const r = await maintainPartitions(deps.db, deps.clock.now(), opts);
      failures = 0;
      if (r.created.length || r.dropped.length || r.purged) deps.log.info(r, "trial partitions maintained");
    } catch (e) {
      failures++;
      deps.log.warn({ err: (e as Error).message, attempt: failures }, "trial partition maintenance failed; will retry");
    }
    resolveFirst();
    // Sooner after a failure, jittered so replicas that failed together do not retry in lockstep.
    return failures > 0 ? backoffMs(failures, { baseMs: RETRY_BASE_MS, maxMs: Math.min(interval, RETRY_MAX_MS) }) : interval;
  };
  const worker = startPeriodic("partitions", deps.clock, DAY_MS, pass, { immediately: true });
  const stop = () => worker.stop();
  return { name: "partitions", firstPass, stop, [Symbol.asyncDispose]: stop };
}
