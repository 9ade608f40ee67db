import path from "node:path";
import { z } from "zod";
import type { AssertionSpec } from "../scoring/types.ts";
import { idAllocator, slug } from "./ids.ts";
import { parseRecord } from "./jsonl-record.ts";
import { chatMessage, messagesToInput } from "./messages.ts";
import { readJsonLines } from "./sources.ts";
import { emptyResult, ImportError, type ImportResult } from "./types.ts";

/**
 * How a sample's `ideal` is checked, after the OpenAI evals classes: `includes` (Includes: an
 * ideal answer appears in the output) or `match` (Match: the output starts with one).
 */
export type IdealMatch = "includes" | "match";

export interface OpenAiEvalsOptions {
  match?: IdealMatch | undefined;
  /** Compare ignoring case (the evals' `ignore_case: true`). */
  ignoreCase?: boolean | undefined;
  name?: string | undefined;
}

const sample = z
  .object({
    input: z.union([z.string().min(1), z.array(chatMessage).min(1)]),
    ideal: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  })
  .loose();
const EXPECTED = 'a sample {"input": "text" or [{"role": "user", "content": "..."}], "ideal": "text" or ["text", ...]}';
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

function idealCheck(ideals: string[], match: IdealMatch, ignoreCase: boolean): AssertionSpec {
  const flags = ignoreCase ? "i" : "";
  if (match === "includes") {
    if (ideals.length === 1) return { type: ignoreCase ? "icontains" : "contains", arg: ideals[0]! };
    return { type: "regex", arg: `/(?:${ideals.map(escapeRegex).join("|")})/${flags}` };
  }
  return { type: "regex", arg: `/^(?:${ideals.map(escapeRegex).join("|")})/${flags}` };
}

/**
 * An OpenAI evals `samples.jsonl` as a golden set: `input` (text, or chat messages: see
 * messagesToInput) is the case's input, and `ideal` (one answer or several) is checked as the
 * basic evals do (`--match includes`, the default, or `match`); the first ideal is also `expected`.
 */
export async function importOpenAiEvals(file: string, opts: OpenAiEvalsOptions = {}): Promise<ImportResult> {
  const match = opts.match ?? "includes";
  const result = emptyResult(opts.name ?? (slug(path.basename(file).replace(/\.jsonl?$/i, "")) || "imported"));
  const nextId = idAllocator();
  let system = 0;
  for (const { line, value } of await readJsonLines(file)) {
    const s = parseRecord(sample, value, file, line, EXPECTED);
    const ideals = typeof s.ideal === "string" ? [s.ideal] : s.ideal;
    let input: string;
    if (typeof s.input === "string") input = s.input;
    else {
      const m = messagesToInput(s.input);
      input = m.input;
      if (m.droppedSystem) system++;
      if (m.transcript)
        result.caveats.push({
          where: `line ${line}`,
          what: "input",
          why: "several turns: sent as one transcript text, a `role: text` line per message",
        });
    }
    if (!input.trim()) throw new ImportError(file, `line ${line}: input`, "the input has no text; expected a question for the agent");
    result.cases.push({
      id: nextId(undefined, `sample-${line}`),
      input,
      expected: ideals[0]!,
      assert: [idealCheck(ideals, match, opts.ignoreCase === true)],
    });
  }
  if (result.cases.length === 0) throw new ImportError(file, "", "no samples; expected one JSON object per line");
  if (system > 0)
    result.caveats.push({
      where: `${system} sample(s)`,
      what: "system message",
      why: "not sent: the agent under test has its own system prompt; the case's input is the user's message",
    });
  if (match === "includes")
    result.caveats.push({
      where: "all samples",
      what: "ideal",
      why: `checked as evals' Includes (the output contains an ideal answer, ${opts.ignoreCase ? "any case" : "case-sensitive"}); pass --match match for Match (starts with)`,
    });
  return result;
}
