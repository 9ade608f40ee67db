import type { ImportNote, ImportResult } from "./types.ts";

const section = (title: string, notes: ImportNote[]): string[] =>
  notes.length ? [``, `${title} (${notes.length}):`, ...notes.map((n) => `  ${n.where}: ${n.what}: ${n.why}`)] : [];

/** The import report for people: what was written, what was left out and why, what differs. */
export function formatReport(result: ImportResult, source: string, target: string): string {
  const assertions = result.cases.reduce((n, c) => n + c.assert.length, 0);
  return [
    `${source} → ${target}: golden set "${result.name}", ${result.cases.length} case(s), ${assertions} assertion(s)`,
    ...section("not mapped (left out)", result.unmapped),
    ...section("cases skipped", result.skipped),
    ...section("mapped with a difference", result.caveats),
    "",
  ].join("\n");
}

/** The same report as data (`--json`). */
export function reportJson(result: ImportResult, source: string, target: string) {
  return {
    ok: true,
    source,
    target,
    name: result.name,
    cases: result.cases.length,
    assertions: result.cases.reduce((n, c) => n + c.assert.length, 0),
    unmapped: result.unmapped,
    skipped: result.skipped,
    caveats: result.caveats,
  };
}
