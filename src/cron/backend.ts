import { Cron } from "croner";

/**
 * A cron engine: the next matching wall-clock time strictly after `after`, both as milliseconds
 * on a UTC time line (time zones are applied on top, the same way for every engine; see next.ts).
 */
export interface CronBackend {
  readonly name: "bun" | "croner";
  nextWall(fields: string, after: number): number | null;
}

interface BunCron {
  parse(expr: string, from?: Date | number): Date | null | undefined;
}

/** Bun.cron when this process runs on Bun. */
export function bunCron(): BunCron | undefined {
  const cron = (globalThis as { Bun?: { cron?: BunCron } }).Bun?.cron;
  return typeof cron?.parse === "function" ? cron : undefined;
}

const cronerCache = new Map<string, Cron>();

/** croner, in UTC: runs on Node and Bun alike. */
export const cronerBackend: CronBackend = {
  name: "croner",
  nextWall(fields, after) {
    let job = cronerCache.get(fields);
    if (!job) {
      // OR of day-of-month and weekday when both are restricted, as Vixie cron and Bun.cron do.
      job = new Cron(fields, { paused: true, timezone: "UTC", mode: "5-part", domAndDow: false });
      cronerCache.set(fields, job);
    }
    return job.nextRun(new Date(after))?.getTime() ?? null;
  },
};

/** Bun.cron's own parser (UTC, which is all it knows; zones are applied on top). */
export function bunBackend(cron: BunCron): CronBackend {
  return {
    name: "bun",
    nextWall(fields, after) {
      return cron.parse(fields, after)?.getTime() ?? null;
    },
  };
}

/** Bun.cron when running on Bun, croner otherwise. */
export function defaultBackend(): CronBackend {
  const cron = bunCron();
  return cron ? bunBackend(cron) : cronerBackend;
}
