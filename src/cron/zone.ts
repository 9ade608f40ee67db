/**
 * Wall-clock time in a named zone and the instants it stands for. Cron expressions describe wall
 * clocks; slots are instants. Around daylight-saving changes one wall time can be no instant
 * (clocks spring forward) or two (clocks fall back): these functions say which.
 */

const HOUR = 3_600_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** True for zones that never change offset, where wall time is the instant. */
export function isUtc(timezone: string): boolean {
  return timezone === "UTC" || timezone === "Etc/UTC" || timezone === "Etc/GMT" || timezone === "GMT";
}

/** The wall clock of `instant` in `timezone`, as milliseconds on a UTC time line. */
export function wallOf(instant: number, timezone: string): number {
  if (isUtc(timezone)) return instant;
  const parts: Record<string, number> = {};
  for (const p of formatter(timezone).formatToParts(new Date(instant))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  const ms = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!, ms);
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
export function offsetAt(instant: number, timezone: string): number {
  return wallOf(instant, timezone) - instant;
}

/** True when the zone's offset changes within `ms` either side of `instant`. */
export function nearTransition(instant: number, timezone: string, ms: number): boolean {
  if (isUtc(timezone)) return false;
  return (
    offsetAt(instant - ms, timezone) !== offsetAt(instant + ms, timezone) ||
    offsetAt(instant, timezone) !== offsetAt(instant + ms, timezone)
  );
}

/**
 * The instants at which the wall clock reads `wall`: usually one; two when clocks fall back
 * (earlier first); none when clocks spring forward over it, in which case this returns the
 * instant the gap ends (the first instant after it), as Vixie cron runs such jobs then.
 */
export function instantsOf(wall: number, timezone: string): { instants: number[]; gap: boolean } {
  if (isUtc(timezone)) return { instants: [wall], gap: false };
  // Offsets either side of the day hold every offset that can apply to this wall time.
  const before = offsetAt(wall - 24 * HOUR, timezone);
  const after = offsetAt(wall + 24 * HOUR, timezone);
  const candidates = [...new Set([wall - before, wall - after, wall - offsetAt(wall, timezone)])];
  const valid = candidates.filter((i) => wallOf(i, timezone) === wall).sort((a, b) => a - b);
  if (valid.length > 0) return { instants: valid, gap: false };
  // In the gap: the change happened between these two instants; find it to the millisecond.
  let lo = Math.min(wall - before, wall - after);
  let hi = Math.max(wall - before, wall - after);
  const loOffset = offsetAt(lo, timezone);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, timezone) === loOffset) lo = mid;
    else hi = mid;
  }
  return { instants: [hi], gap: true };
}
