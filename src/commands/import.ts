import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  formatReport,
  goldenYaml,
  ImportError,
  importLangfuse,
  importOpenAiEvals,
  importPromptfoo,
  reportJson,
  type ImportResult,
} from "../import/index.ts";
import type { StandaloneCommand, StandaloneInput } from "./types.ts";

const FORMATS = ["promptfoo", "openai-evals", "langfuse"] as const;
type Format = (typeof FORMATS)[number];

const USAGE = `usage: goldwatch import <format> <file> [-o golden/name.yaml] [--name NAME]
  promptfoo <promptfooconfig.yaml>   tests and defaultTest; the input is the only var, --input-var NAME,
                                     or (--render-prompt, or several vars) the one prompt rendered
  openai-evals <samples.jsonl>       input and ideal; --match includes (default) | match, --ignore-case
  langfuse <items.jsonl>             dataset items: input and expectedOutput (archived ones skipped)`;

function read(format: Format, file: string, options: StandaloneInput["options"]): Promise<ImportResult> {
  const name = typeof options.name === "string" ? options.name : undefined;
  if (format === "promptfoo") {
    const inputVar = typeof options["input-var"] === "string" ? options["input-var"] : undefined;
    return importPromptfoo(file, { name, inputVar, renderPrompt: options["render-prompt"] === true });
  }
  if (format === "langfuse") return importLangfuse(file, { name });
  const match = options.match ?? "includes";
  if (match !== "includes" && match !== "match")
    throw new ImportError("--match", "", `expected includes or match, got ${JSON.stringify(match)}`);
  return importOpenAiEvals(file, { name, match, ignoreCase: options["ignore-case"] === true });
}

/**
 * `goldwatch import <format> <file>`: writes a golden set (to -o, else stdout) from a suite in
 * another tool's format, and reports what it could not map. Needs no goldwatch config.
 */
export const importCommand: StandaloneCommand = {
  summary:
    "write a golden set from a promptfoo config, OpenAI evals samples or a Langfuse dataset (import <format> <file> -o golden/x.yaml)",
  standalone: true,
  options: {
    output: { type: "string", short: "o" },
    name: { type: "string" },
    "input-var": { type: "string" },
    "render-prompt": { type: "boolean", default: false },
    match: { type: "string" },
    "ignore-case": { type: "boolean", default: false },
  },
  async run({ args, options, json }) {
    const [format, file, extra] = args;
    if (!format || !file || extra !== undefined || !(FORMATS as readonly string[]).includes(format)) {
      process.stderr.write(
        `goldwatch import: ${format && !(FORMATS as readonly string[]).includes(format) ? `unknown format "${format}"` : "expected a format and a file"}\n${USAGE}\n`,
      );
      return 2;
    }
    const out = typeof options.output === "string" ? options.output : undefined;
    let result: ImportResult;
    let yaml: string;
    try {
      result = await read(format as Format, file, options);
      if (result.cases.length === 0)
        throw new ImportError(
          file,
          "",
          `no case could be imported${result.skipped[0] ? ` (first skipped: ${result.skipped[0].where}: ${result.skipped[0].why})` : ""}`,
        );
      yaml = goldenYaml(result, `${path.basename(file)} (${format})`);
    } catch (e) {
      if (!(e instanceof ImportError)) throw e;
      if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: e.message }, null, 2)}\n`);
      else process.stderr.write(`goldwatch import: ${e.message}\n`);
      return 2;
    }
    if (out) {
      await mkdir(path.dirname(path.resolve(out)), { recursive: true });
      await writeFile(out, yaml);
    } else process.stdout.write(yaml);
    // The report goes where it does not mix with the YAML: stdout when the set went to a file.
    const report = json
      ? `${JSON.stringify(reportJson(result, file, out ?? "stdout"), null, 2)}\n`
      : formatReport(result, file, out ?? "stdout");
    (out ? process.stdout : process.stderr).write(report);
    return 0;
  },
};
