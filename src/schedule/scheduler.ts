import { Cron } from "croner";

/** A scheduled job handle. */
export interface ScheduledJob {
  stop(): void;
  /** Next fire time, or null when there is none. */
  nextRun(): Date | null;
}

/** Fires `onTick(slot)` at each slot of a cron expression in a time zone. */
export interface Scheduler {
  readonly backend: "bun" | "croner";
  schedule(expr: string, timezone: string, onTick: (slot: Date) => Promise<void>): ScheduledJob;
}

interface BunCronJob {
  stop(): void;
}
interface BunCron {
  (expr: string, handler: () => unknown): BunCronJob;
  parse(expr: string, from?: Date | number): Date | null;
}

const bunCron = (): BunCron | undefined => (globalThis as { Bun?: { cron?: BunCron } }).Bun?.cron;

/** croner: named time zones, used off Bun and for zones Bun.cron (UTC only) cannot honour. */
function cronerSchedule(expr: string, timezone: string, onTick: (slot: Date) => Promise<void>): ScheduledJob {
  const job = new Cron(expr, { timezone, protect: true, catch: true }, async (self: Cron) => {
    const slot = self.currentRun() ?? new Date();
    await onTick(slot);
  });
  return { stop: () => job.stop(), nextRun: () => job.nextRun() };
}

/** Bun.cron where it exists (UTC), croner otherwise; the same meaning either way. */
export function createScheduler(): Scheduler {
  const bun = bunCron();
  if (!bun) return { backend: "croner", schedule: cronerSchedule };
  return {
    backend: "bun",
    schedule(expr, timezone, onTick) {
      if (timezone !== "UTC" && timezone !== "Etc/UTC") return cronerSchedule(expr, timezone, onTick);
      const job = bun(expr, async () => {
        // Bun fires at the slot; the slot is the minute that just began.
        const slot = new Date(Math.floor(Date.now() / 60_000) * 60_000);
        await onTick(slot);
      });
      return { stop: () => job.stop(), nextRun: () => bun.parse(expr) };
    },
  };
}
