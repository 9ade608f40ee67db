import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { sampleInputSchema, zodMessage } from "./input.ts";
import { recordSample, type RecordOutcome, type SampleDeps } from "./record.ts";

/** What an import did. */
export interface ImportResult {
  lines: number;
  kept: number;
  duplicates: number;
  skipped: number;
}

/** Bad lines of a JSONL import, each naming the file and line: nothing was stored. */
export class SampleImportError extends Error {
  override name = "SampleImportError";
}

/**
 * Imports a JSONL file of samples (`{"input": "...", "agent"?: "...", "trace_id"?: "..."}` per
 * line; blank lines skipped). Every line is checked first, so a bad file stores nothing; then each
 * input goes through the same sampling, redaction and de-duplication as OTLP and the API.
 */
export async function importJsonl(deps: SampleDeps, file: string, opts: { agent?: string } = {}): Promise<ImportResult> {
  const lines = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  const rows: { agent: string; input: string; traceId?: string }[] = [];
  const problems: string[] = [];
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${file}:${n}: not valid JSON`);
      continue;
    }
    const parsed = sampleInputSchema.safeParse(value);
    if (!parsed.success) {
      problems.push(`${file}:${n}: ${zodMessage(parsed.error)}`);
      continue;
    }
    const agent = parsed.data.agent ?? opts.agent;
    if (!agent) {
      problems.push(`${file}:${n}: agent: no agent on the line and none given (--agent)`);
      continue;
    }
    rows.push({ agent, input: parsed.data.input, ...(parsed.data.trace_id ? { traceId: parsed.data.trace_id } : {}) });
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join("\n");
    throw new SampleImportError(`${problems.length} bad line${problems.length === 1 ? "" : "s"}, nothing imported:\n${shown}`);
  }
  const result: ImportResult = { lines: rows.length, kept: 0, duplicates: 0, skipped: 0 };
  for (const r of rows) count(result, await recordSample(deps, { ...r, source: "jsonl" }));
  return result;
}

/** Adds one outcome to an import's tally. */
export function count(result: Omit<ImportResult, "lines">, outcome: RecordOutcome): void {
  if (outcome.kept) result.kept++;
  else if (outcome.reason === "duplicate") result.duplicates++;
  else result.skipped++;
}
