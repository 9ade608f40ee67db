import { bunCron, cronerBackend } from "./backend.ts";
import { parseExpression, type CronExpression } from "./expression.ts";
import { nextSlot } from "./next.ts";

/** A checked schedule, or the reason it is rejected. */
export type ScheduleCheck = { ok: true; expr: CronExpression } | { ok: false; message: string };

/**
 * Checks a schedule for every runtime at once: the dialect both Bun.cron and croner read alike,
 * a known IANA time zone, and an expression that fires at least once (`0 0 31 2 *` never does).
 */
export function checkScheduleSpec(expr: string, timezone: string): ScheduleCheck {
  const parsed = parseExpression(expr);
  if (typeof parsed === "string") return { ok: false, message: parsed };
  const zone = checkTimezone(timezone);
  if (zone) return { ok: false, message: zone };
  let next: number | null;
  try {
    next = nextSlot(cronerBackend, { expr: parsed, timezone }, Date.now());
    // On Bun, Bun.cron must read it too: it computes the fire times there.
    bunCron()?.parse(parsed.fields, Date.now());
  } catch (e) {
    return { ok: false, message: `invalid cron expression: ${(e as Error).message}` };
  }
  if (next === null) return { ok: false, message: `"${expr}" never fires (no date matches it)` };
  return { ok: true, expr: parsed };
}

/** The reason a time zone is rejected (not an IANA name this runtime knows), or undefined. */
export function checkTimezone(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return undefined;
  } catch {
    return `unknown time zone "${timezone}" (expected an IANA name like UTC or Europe/Berlin)`;
  }
}

/** The reason a schedule is rejected, or undefined when it is valid. */
export function checkSchedule(expr: string, timezone: string): string | undefined {
  const check = checkScheduleSpec(expr, timezone);
  return check.ok ? undefined : check.message;
}
