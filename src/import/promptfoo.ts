import path from "node:path";
import { z } from "zod";
import { formatPath } from "../config/errors.ts";
import { idAllocator, slug } from "./ids.ts";
import { chatMessage, messagesToInput } from "./messages.ts";
import { mapAssertion, notesOf } from "./promptfoo-asserts.ts";
import { expandTestPath, readJsonLines, readYamlSource } from "./sources.ts";
import { renderVars, templateVars } from "./template.ts";
import { emptyResult, ImportError, type ImportNote, type ImportResult } from "./types.ts";

/** How `goldwatch import promptfoo` builds the cases. */
export interface PromptfooOptions {
  /** The var whose value is the case's input (default: the one prompt rendered, else the only var). */
  inputVar?: string | undefined;
  /** Send the config's one inline prompt rendered with the vars, even when a test has one var. */
  renderPrompt?: boolean | undefined;
  /** The golden set's name (default: from the config's description or file name). */
  name?: string | undefined;
}

const testSchema = z
  .object({
    description: z.string().optional(),
    vars: z.record(z.string(), z.unknown()).optional(),
    assert: z.array(z.unknown()).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
    threshold: z.number().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    provider: z.unknown().optional(),
  })
  .loose();
type Test = z.output<typeof testSchema>;

const configSchema = z
  .object({
    description: z.string().optional(),
    prompts: z.unknown().optional(),
    tests: z.unknown(),
    defaultTest: z.unknown().optional(),
    scenarios: z.unknown().optional(),
  })
  .loose();

/** A matrix of one test: arrays of plain values in vars are one case per combination, as in promptfoo. */
const MAX_COMBINATIONS = 1_000;
const UNREADABLE_TESTS = /\.(csv|tsv|xlsx|js|cjs|mjs|ts|py)$|^(huggingface|https?):\/\//i;

function parseTest(value: unknown, file: string, where: string): Test {
  const parsed = testSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const at = [where, formatPath(issue.path)].filter(Boolean).join(".");
  throw new ImportError(file, at, `expected a promptfoo test {description?, vars?, assert?}: ${issue.message}`);
}

/** Every test the config names, inline or in the files `tests:` points to, with where it came from. */
async function collectTests(tests: unknown, file: string, unmapped: ImportNote[]): Promise<{ where: string; file: string; test: Test }[]> {
  const dir = path.dirname(file);
  const out: { where: string; file: string; test: Test }[] = [];
  const fromRef = async (ref: string, where: string) => {
    if (UNREADABLE_TESTS.test(ref.replace(/^file:\/\//, ""))) {
      unmapped.push({ where, what: ref, why: "tests from CSV, spreadsheets, scripts or URLs are not read; export them to YAML or JSON" });
      return;
    }
    for (const f of await expandTestPath(ref, dir, where, file)) {
      const shown = path.relative(dir, f) || f;
      if (/\.jsonl$/i.test(f)) {
        for (const r of await readJsonLines(f))
          out.push({ where: `${shown}:${r.line}`, file: f, test: parseTest(r.value, f, `line ${r.line}`) });
        continue;
      }
      const value = await readYamlSource(f);
      const list = Array.isArray(value) ? value : [value];
      list.forEach((t, i) => out.push({ where: `${shown}[${i}]`, file: f, test: parseTest(t, f, Array.isArray(value) ? `[${i}]` : "") }));
    }
  };
  if (typeof tests === "string") await fromRef(tests, "tests");
  else if (Array.isArray(tests)) {
    for (const [i, t] of tests.entries()) {
      if (typeof t === "string") await fromRef(t, `tests[${i}]`);
      else out.push({ where: `tests[${i}]`, file, test: parseTest(t, file, `tests[${i}]`) });
    }
  } else throw new ImportError(file, "tests", "expected a list of tests, or a path or glob of YAML, JSON or JSONL test files");
  return out;
}

/** The one inline prompt text, when the config has exactly one (else undefined, and how many there are). */
function singlePrompt(prompts: unknown): { prompt?: string; count: number } {
  const list =
    prompts === undefined
      ? []
      : Array.isArray(prompts)
        ? prompts
        : typeof prompts === "string"
          ? [prompts]
          : Object.keys(prompts as object);
  const inline = list.flatMap((p): string[] => {
    if (typeof p === "string") return p.startsWith("file://") ? [] : [p];
    const raw = (p as { raw?: unknown })?.raw;
    return typeof raw === "string" ? [raw] : [];
  });
  return inline.length === 1 && list.length === 1 ? { prompt: inline[0]!, count: 1 } : { count: list.length };
}

/**
 * The case's input from its vars: --input-var's value; else the only var's (the agent under test
 * wraps it in its own prompt); else, with several vars, the config's one inline prompt rendered
 * with them (as promptfoo sent it). --render-prompt renders the prompt even for one var.
 */
function inputOf(
  vars: Record<string, unknown>,
  prompt: string | undefined,
  opts: PromptfooOptions,
): { input: string; rendered?: boolean } | { problem: string } {
  const fromFile = (n: string) => typeof vars[n] === "string" && (vars[n] as string).startsWith("file://");
  const fileProblem = (n: string) => ({ problem: `var ${n} is read from a file (file://), which is not followed` });
  const names = Object.keys(vars);
  const one = opts.inputVar ?? (names.length === 1 && !opts.renderPrompt ? names[0] : undefined);
  if (one !== undefined) {
    const v = vars[one];
    if (typeof v !== "string" && typeof v !== "number")
      return { problem: `var ${one}: expected text, the test has ${v === undefined ? "no such var" : "another value"}` };
    return fromFile(one) ? fileProblem(one) : { input: String(v) };
  }
  if (prompt === undefined)
    return { problem: `vars ${names.join(", ") || "(none)"} and no single inline prompt to render them into: pass --input-var <name>` };
  const used = templateVars(prompt).find(fromFile);
  if (used) return fileProblem(used);
  const r = renderVars(prompt, vars);
  if ("problem" in r) return { problem: `the prompt ${r.problem}` };
  let json: unknown;
  try {
    json = JSON.parse(r.text);
  } catch {
    json = undefined;
  }
  const chat = z.array(chatMessage).min(1).safeParse(json);
  return { input: chat.success ? messagesToInput(chat.data).input : r.text.trim(), rendered: true };
}

/** Each combination of a test's array vars (one, when none is an array). */
function combinations(vars: Record<string, unknown>, file: string, where: string): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [k, v] of Object.entries(vars)) {
    const values = Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number") ? v : [v];
    out = out.flatMap((c) => values.map((x) => ({ ...c, [k]: x })));
    if (out.length > MAX_COMBINATIONS)
      throw new ImportError(file, `${where}.vars`, `more than ${MAX_COMBINATIONS} combinations of its array vars; split the test`);
  }
  return out;
}

const tagsOf = (metadata: Record<string, unknown> | undefined): string[] =>
  Object.entries(metadata ?? {}).flatMap(([k, v]) =>
    typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? [`${k}=${v}`] : [],
  );

/**
 * A promptfoo config (`promptfooconfig.yaml`) as a golden set: each test (merged with
 * `defaultTest`, one per combination of array vars) becomes a case; vars become its input;
 * assertions are mapped where goldwatch has the same check, and everything else is reported.
 */
export async function importPromptfoo(file: string, opts: PromptfooOptions = {}): Promise<ImportResult> {
  const raw = await readYamlSource(file);
  if (!raw || typeof raw !== "object" || Array.isArray(raw))
    throw new ImportError(file, "", "expected a promptfoo config: a mapping with tests:");
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new ImportError(file, formatPath(parsed.error.issues[0]!.path), parsed.error.issues[0]!.message);
  const config = parsed.data;
  const base = path.basename(file).replace(/\.(ya?ml|json)$/i, "");
  const result = emptyResult(
    opts.name ??
      (slug(config.description ?? "") ||
        slug(base === "promptfooconfig" ? path.basename(path.dirname(path.resolve(file))) : base) ||
        "imported"),
  );
  if (config.description) result.description = config.description;
  if (config.scenarios !== undefined)
    result.unmapped.push({ where: "scenarios", what: "scenarios", why: "scenarios are not imported; write their combinations as tests" });

  let defaults: Test = {};
  if (typeof config.defaultTest === "string") {
    const from = path.resolve(path.dirname(file), config.defaultTest.replace(/^file:\/\//, ""));
    defaults = parseTest(await readYamlSource(from), from, "");
  } else if (config.defaultTest !== undefined) defaults = parseTest(config.defaultTest, file, "defaultTest");

  const { prompt, count } = singlePrompt(config.prompts);
  if (count > 1)
    result.caveats.push({
      where: "prompts",
      what: `${count} prompts`,
      why: "goldwatch sends one input per case: the input is a var, not one of the prompts",
    });
  const nextId = idAllocator();
  const seen = new Set<string>();
  const note = (list: ImportNote[], n: ImportNote) => {
    const key = `${n.where}|${n.why}`;
    if (!seen.has(key)) (list.push(n), seen.add(key));
  };

  for (const [t, { where, file: from, test }] of (await collectTests(config.tests, file, result.unmapped)).entries()) {
    const options = { ...defaults.options, ...test.options };
    if (options.transform !== undefined || options.postprocess !== undefined) {
      result.skipped.push({
        where,
        what: "options.transform",
        why: "the output is transformed before every assertion; goldwatch checks the agent's output as it is",
      });
      continue;
    }
    if ((test.threshold ?? defaults.threshold) !== undefined)
      note(result.caveats, {
        where,
        what: "threshold",
        why: "a test threshold (pass on a share of assertions) is dropped: every goldwatch assertion must pass",
      });
    if (test.provider !== undefined)
      note(result.caveats, { where, what: "provider", why: "the test's own provider is dropped: goldwatch runs the job's agent" });
    const assertions = [
      ...(defaults.assert ?? []).map((a, j) => ({ a, at: `defaultTest.assert[${j}]` })),
      ...(test.assert ?? []).map((a, j) => ({ a, at: `${where}.assert[${j}]` })),
    ];
    const combos = combinations({ ...defaults.vars, ...test.vars }, from, where);
    combos.forEach((vars, k) => {
      const at = combos.length > 1 ? `${where} (combination ${k + 1})` : where;
      const input = inputOf(vars, prompt, opts);
      if ("problem" in input) return void result.skipped.push({ where: at, what: "input", why: input.problem });
      if (input.rendered)
        note(result.caveats, {
          where: "prompts",
          what: "input",
          why: "the input is the prompt rendered with each test's vars, as promptfoo sent it to the model",
        });
      const assert = assertions.flatMap(({ a, at: aw }) => {
        const m = mapAssertion(a, vars);
        const notes = notesOf(m, aw, (a as { type?: string })?.type ?? "assertion");
        notes.unmapped.forEach((n) => note(result.unmapped, n));
        notes.caveats.forEach((n) => note(result.caveats, n));
        return m.specs;
      });
      if (assert.length === 0)
        return void result.skipped.push({ where: at, what: "assert", why: "no assertion could be mapped, and a case needs one" });
      const id = nextId(
        test.description && (combos.length > 1 ? `${test.description} ${k + 1}` : test.description),
        `test-${t + 1}${combos.length > 1 ? `-${k + 1}` : ""}`,
      );
      const tags = tagsOf({ ...defaults.metadata, ...test.metadata });
      result.cases.push({ id, input: input.input, assert, ...(tags.length ? { tags } : {}) });
    });
  }
  return result;
}
