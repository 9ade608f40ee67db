import type { CronBackend } from "../../src/cron/backend.ts";
import { parseExpression } from "../../src/cron/expression.ts";
import { nextSlot } from "../../src/cron/next.ts";

/** Expressions, zones and starting instants whose next fire times both backends must agree on. */
export const EXPRESSIONS = [
  "* * * * *",
  "*/7 * * * *",
  "0 * * * *",
  "15,45 9-17 * * MON-FRI",
  "0 0 1 * *",
  "0 0 13 * 5",
  "0 12 * JAN,JUL *",
  "0 0 * * 7",
  "5-10/2 3 * * *",
  "30 2 * * *",
  "*/30 2 * * *",
  "0 0 29 2 *",
  "59 23 31 12 *",
  "@hourly",
  "@daily",
  "@weekly",
  "@monthly",
  "@yearly",
];
export const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"];
export const STARTS = [
  "2026-03-08T05:30:00Z",
  "2026-03-28T23:59:59Z",
  "2026-10-24T22:00:00Z",
  "2026-11-01T04:00:00Z",
  "2027-12-31T23:00:00Z",
];

/** For every expression × zone × start: the next `n` fire times as ISO strings. */
export function nextTimesTable(backend: CronBackend, n = 6): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of EXPRESSIONS) {
    const expr = parseExpression(e);
    if (typeof expr === "string") throw new Error(expr);
    for (const timezone of ZONES) {
      for (const start of STARTS) {
        const times: string[] = [];
        let t: number | null = Date.parse(start);
        for (let i = 0; i < n && t !== null; i++) {
          t = nextSlot(backend, { expr, timezone }, t);
          if (t !== null) times.push(new Date(t).toISOString());
        }
        out[`${e} | ${timezone} | ${start}`] = times;
      }
    }
  }
  return out;
}
