import path from "node:path";
import { z } from "zod";
import type { AssertionSpec } from "../scoring/types.ts";
import { idAllocator, slug } from "./ids.ts";
import { parseRecord } from "./jsonl-record.ts";
import { chatMessage, messagesToInput } from "./messages.ts";
import { readJsonLines } from "./sources.ts";
import { emptyResult, ImportError, type ImportResult } from "./types.ts";

export interface LangfuseOptions {
  name?: string | undefined;
}

/** A Langfuse dataset item as the API and the export write it (camelCase; the Python SDK's expected_output too). */
const item = z
  .object({
    id: z.string().optional(),
    input: z.unknown(),
    expectedOutput: z.unknown().optional(),
    expected_output: z.unknown().optional(),
    status: z.enum(["ACTIVE", "ARCHIVED"]).optional(),
  })
  .loose();
const EXPECTED = 'a dataset item {"id"?, "input", "expectedOutput"?, "status"?: "ACTIVE" | "ARCHIVED"}';

/** The item's input as text: a string; chat messages (a list, or {messages}); an object's one text field; else its JSON. */
function inputText(input: unknown): { text?: string; how?: string } {
  if (typeof input === "string") return { text: input };
  if (typeof input === "number") return { text: String(input) };
  const messages = z.array(chatMessage).min(1);
  const asList = messages.safeParse(Array.isArray(input) ? input : (input as { messages?: unknown } | null)?.messages);
  if (asList.success)
    return { text: messagesToInput(asList.data).input, how: "chat messages: the user's message (several turns: a transcript)" };
  if (input && typeof input === "object" && !Array.isArray(input)) {
    const texts = Object.entries(input).filter(([, v]) => typeof v === "string");
    if (texts.length === 1 && Object.keys(input).length === 1)
      return { text: texts[0]![1] as string, how: `the object's one field, ${texts[0]![0]}` };
    return { text: JSON.stringify(input), how: "structured input: sent as its JSON text" };
  }
  return {};
}

/** The check for an expected output: text → `expected` (goldwatch's default check); an object → the same JSON. */
function expectedOf(expected: unknown): { expected?: string; assert: AssertionSpec[] } | undefined {
  if (typeof expected === "string" && expected.trim()) return { expected, assert: [] };
  if (typeof expected === "number" || typeof expected === "boolean") return { expected: String(expected), assert: [] };
  if (expected && typeof expected === "object")
    return { expected: JSON.stringify(expected), assert: [{ type: "json_schema", arg: { const: expected } }] };
  return undefined;
}

/**
 * A Langfuse dataset export (JSONL of dataset items) as a golden set: `input` is the case's
 * input, `expectedOutput` its expected answer, archived items are skipped.
 */
export async function importLangfuse(file: string, opts: LangfuseOptions = {}): Promise<ImportResult> {
  const result = emptyResult(opts.name ?? (slug(path.basename(file).replace(/\.jsonl?$/i, "")) || "imported"));
  const nextId = idAllocator();
  let archived = 0;
  let objects = 0;
  for (const { line, value } of await readJsonLines(file)) {
    const it = parseRecord(item, value, file, line, EXPECTED);
    if (it.status === "ARCHIVED") {
      archived++;
      continue;
    }
    const input = inputText(it.input);
    if (input.text === undefined || !input.text.trim())
      throw new ImportError(file, `line ${line}: input`, "missing or empty; expected text, chat messages or an object");
    if (input.how?.startsWith("structured")) result.caveats.push({ where: `line ${line}`, what: "input", why: input.how });
    const check = expectedOf(it.expectedOutput ?? it.expected_output);
    if (!check) {
      result.skipped.push({
        where: `line ${line}`,
        what: "expectedOutput",
        why: "no expected output: nothing to check (add assertions by hand)",
      });
      continue;
    }
    if (check.assert.length) objects++;
    result.cases.push({
      id: nextId(it.id, `item-${line}`),
      input: input.text,
      ...(check.expected !== undefined ? { expected: check.expected } : {}),
      assert: check.assert,
    });
  }
  if (archived) result.skipped.push({ where: `${archived} item(s)`, what: "status ARCHIVED", why: "archived in Langfuse" });
  if (result.cases.length > 0)
    result.caveats.push({
      where: "all items",
      what: "expectedOutput",
      why: `text answers became \`expected\`: a case passes when the output contains it, ignoring case${objects ? `; ${objects} object answer(s) must come back as the same JSON (json_schema const)` : ""}. Add assertions or a judge for free-form answers`,
    });
  return result;
}
