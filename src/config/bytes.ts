import { z } from "zod";

const UNITS: Record<string, number> = { b: 1, kb: 1_000, kib: 1_024, mb: 1_000_000, mib: 1_048_576, gb: 1_000_000_000, gib: 1_073_741_824 };

/** Parses `4MiB`, `512KB`, `1GiB` (or a bare number of bytes) to bytes. */
export function parseBytes(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isInteger(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? "b").toLowerCase()]!);
}

const EXPECTED = "expected a size like 512KiB, 4MiB or 1GiB (or a number of bytes) above 0";

/** A zod field for a size above 0, yielding bytes. */
export const byteSize = z.union([z.string(), z.number()], { error: EXPECTED }).transform((v, ctx) => {
  const n = parseBytes(v);
  if (n === undefined || n <= 0) {
    ctx.addIssue({ code: "custom", message: EXPECTED });
    return z.NEVER;
  }
  return n;
});
