import type { CronBackend } from "./backend.ts";
import type { CronExpression } from "./expression.ts";
import { instantsOf, nearTransition, wallOf } from "./zone.ts";

/** A schedule: an expression read in a time zone. */
export interface Schedule {
  expr: CronExpression;
  timezone: string;
}

const HOUR = 3_600_000;
// No zone moves its clock by more than this in one change; it bounds how far wall and instant order disagree.
const MAX_SHIFT = 3 * HOUR;
const MAX_STEPS = 2_000;

/** The instants a matching wall time stands for, after the daylight-saving rules. */
function slotsFor(wall: number, schedule: Schedule): number[] {
  const { instants, gap } = instantsOf(wall, schedule.timezone);
  // Fall-back repeats a wall time: a job at fixed hours runs once (the first), like Vixie cron.
  if (!gap && instants.length > 1 && !schedule.expr.wildcardHour) return instants.slice(0, 1);
  return instants;
}

/**
 * The first slot strictly after `after` (ms since the epoch), or null when the expression never
 * matches again. Wall times the clock skips (spring forward) fire once when the gap ends; wall
 * times it repeats (fall back) fire once, or at both instants for wildcard-hour jobs.
 */
export function nextSlot(backend: CronBackend, schedule: Schedule, after: number): number | null {
  const { timezone } = schedule;
  const fields = schedule.expr.fields;
  // Near a change, a later wall time can be an earlier instant: look from a little before and
  // keep the smallest instant past `after`. Elsewhere the first match is the answer.
  const near = nearTransition(after, timezone, MAX_SHIFT);
  let cursor = wallOf(after, timezone) - (near ? MAX_SHIFT : 0);
  let best: number | null = null;
  for (let step = 0; step < MAX_STEPS; step++) {
    const wall = backend.nextWall(fields, cursor);
    if (wall === null) break;
    if (best !== null && wall - wallOf(best, timezone) > MAX_SHIFT) break;
    for (const instant of slotsFor(wall, schedule)) {
      if (instant > after && (best === null || instant < best)) best = instant;
    }
    if (best !== null && !near && !nearTransition(best, timezone, MAX_SHIFT)) break;
    cursor = wall;
  }
  return best;
}

/** Slots in (from, to], oldest first: the newest `limit` of them, and how many older ones there were. */
export function slotsBetween(
  backend: CronBackend,
  schedule: Schedule,
  from: number,
  to: number,
  limit: number,
): { slots: number[]; older: number } {
  const all: number[] = [];
  for (let t = nextSlot(backend, schedule, from); t !== null && t <= to; t = nextSlot(backend, schedule, t)) all.push(t);
  const older = Math.max(0, all.length - limit);
  return { slots: all.slice(older), older };
}
