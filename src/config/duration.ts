import { z } from "zod";

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `500ms`, `60s`, `2m`, `1h`, `90d` (or a bare number of milliseconds) to milliseconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

const EXPECTED = "expected a duration like 500ms, 60s, 2m, 1h or 7d";

/** A zod field for a duration, yielding milliseconds. */
export const duration = z.union([z.string(), z.number()], { error: EXPECTED }).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: EXPECTED });
    return z.NEVER;
  }
  return ms;
});

/** A duration that must pass: a timeout, a TTL or an interval of 0 would fire at once or spin. */
export const positiveDuration = duration.refine((ms) => ms > 0, "expected a duration above 0, like 500ms or 60s");
