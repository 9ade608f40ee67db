import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/load/load.ts";

/**
 * The bad-input corpus: one file per case in test/config/corpus/. Each starts with comment lines
 * (or, for files that cannot carry comments — binary, other encodings — has them in a sibling
 * `.expect` file):
 *
 *   # expect: <a piece of the message>   ("ok": the file must load)
 *   # path: <the field, as printed>      (empty: the whole file)
 *   # kind: golden                       (the case is a golden set; default: a config)
 *   # file: <base name of the file the issue names>   (default: the case's own file)
 *   # judge: yes                         (golden cases: the generated config has a judge)
 *   # env: NAME=value                    (the environment the config is read with; default empty)
 *
 * Config cases are read where they are (their jobs point at `_golden.yaml` beside them); a golden
 * case is read through a generated config in a temporary folder whose one job names it.
 */
const CORPUS = path.resolve("test/config/corpus");

interface Case {
  name: string;
  file: string;
  expect: string;
  path: string;
  kind: "config" | "golden";
  issueFile: string;
  judge: boolean;
  env: Record<string, string>;
}

function parseHeader(name: string, file: string, text: string): Case {
  const c: Case = { name, file, expect: "", path: "", kind: "config", issueFile: path.basename(file), judge: false, env: {} };
  let sawExpect = false;
  let sawPath = false;
  for (const line of text.split("\n")) {
    const m = /^# (\w+): ?(.*)$/.exec(line);
    if (!m) break;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "expect") [c.expect, sawExpect] = [value, true];
    else if (key === "path") [c.path, sawPath] = [value, true];
    else if (key === "kind") c.kind = value === "golden" ? "golden" : "config";
    else if (key === "file") c.issueFile = value;
    else if (key === "judge") c.judge = value === "yes";
    else if (key === "env") c.env[value.slice(0, value.indexOf("="))] = value.slice(value.indexOf("=") + 1);
  }
  if (!sawExpect || !sawPath || c.expect === "") throw new Error(`${name}: needs "# expect:" and "# path:" lines`);
  return c;
}

async function readCorpus(): Promise<Case[]> {
  const names = (await readdir(CORPUS)).filter((n) => n.endsWith(".yaml") && !n.startsWith("_")).sort();
  return Promise.all(
    names.map(async (n) => {
      const file = path.join(CORPUS, n);
      const sidecar = path.join(CORPUS, n.replace(/\.yaml$/, ".expect"));
      const header = await readFile(sidecar, "utf8").catch(() => readFile(file, "utf8"));
      return parseHeader(n.replace(/\.yaml$/, ""), file, header);
    }),
  );
}

const cases = await readCorpus();
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "goldwatch-corpus-"));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The config to load for a case: the case itself, or a generated one naming the golden case. */
async function configFor(c: Case): Promise<string> {
  if (c.kind === "config") return c.file;
  const judge = c.judge ? `judge: { base_url: "http://127.0.0.1:9/v1", model: gpt-4o-2024-08-06 }\n` : "";
  const file = path.join(tmp, `${c.name}.config.yaml`);
  await writeFile(
    file,
    `agents:\n  bot: { kind: demo }\njobs:\n  j: { agent: bot, golden: ${JSON.stringify(c.file)}, schedule: "@hourly" }\n${judge}`,
  );
  return file;
}

describe("the bad-input corpus", () => {
  it("has at least 80 cases that must be refused, and the near misses that must load", () => {
    expect(cases.filter((c) => c.expect !== "ok").length).toBeGreaterThanOrEqual(80);
    expect(cases.filter((c) => c.expect === "ok").length).toBeGreaterThan(0);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const config = await configFor(c);
    let error: unknown;
    try {
      await loadConfig(config, { env: c.env });
    } catch (e) {
      error = e;
    }
    if (c.expect === "ok") {
      expect(error, String(error)).toBeUndefined();
      return;
    }
    // Bad input is a ConfigError (exit 2 in the CLI), never another exception with a stack.
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    const issue = issues.find((i) => path.basename(i.file) === c.issueFile && i.path === c.path && i.message.includes(c.expect));
    expect(issue, `expected "${c.issueFile}: ${c.path}: …${c.expect}…" among:\n${issues.map(formatIssue).join("\n")}`).toBeDefined();
    // As printed: the file, the field and the message, on one line.
    const line = formatIssue(issue!);
    expect(line).toContain(`${c.issueFile}${c.path ? `: ${c.path}` : ""}: `);
    expect(line).not.toContain("\n");
    // One message per case: no cascade of echoes (a binary config gave 714 lines).
    expect(issues.map(formatIssue)).toHaveLength(1);
    // Values from the environment that are secrets are never repeated.
    for (const [name, value] of Object.entries(c.env))
      if (/TOKEN|KEY/.test(name)) expect((error as ConfigError).message).not.toContain(value);
  });
});
