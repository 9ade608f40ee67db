import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGolden } from "../../src/load/load.ts";
import { tempDir } from "../helpers/temp.ts";

const root = path.resolve(import.meta.dirname, "../..");
const fixture = (name: string) => path.join(import.meta.dirname, "fixtures", name);

/** The real CLI (`node bin/goldwatch.js`), run in a folder with no goldwatch config: import needs none. */
function goldwatch(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "bin/goldwatch.js"), ...args],
      { cwd, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

describe("goldwatch import through the CLI", () => {
  it("promptfoo -o: writes a golden set the loader reads and prints the report", async () => {
    const dir = await tempDir();
    const out = path.join(dir, "golden", "support.yaml");
    const r = await goldwatch(["import", "promptfoo", fixture("promptfoo/promptfooconfig.yaml"), "-o", out], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/golden set "acme-support-bot-regression-suite", 9 case\(s\)/);
    expect(r.stdout).toMatch(/not mapped \(left out\) \(6\):\n {2}defaultTest\.assert\[2\]: javascript:/);
    expect(r.stdout).toMatch(/cases skipped \(1\):\n {2}tests\[5\]: options\.transform/);
    const golden = await loadGolden(out);
    expect(golden.cases).toHaveLength(9);
    expect(await readFile(out, "utf8")).toMatch(/^# Imported from promptfooconfig\.yaml \(promptfoo\)/);
  });

  it("langfuse without -o: the YAML on stdout, the report as JSON", async () => {
    const dir = await tempDir();
    const r = await goldwatch(["import", "langfuse", fixture("langfuse-dataset.jsonl"), "--json", "--name", "support-golden"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# Imported from langfuse-dataset\.jsonl \(langfuse\)[^\n]*\nname: support-golden\n/);
    expect(JSON.parse(r.stderr)).toMatchObject({
      ok: true,
      cases: 3,
      name: "support-golden",
      skipped: [{ what: "expectedOutput" }, { what: "status ARCHIVED" }],
    });
  });

  it("bad input exits 2 with one line naming the file and field; an unknown format shows the usage", async () => {
    const dir = await tempDir();
    const bad = await goldwatch(["import", "openai-evals", fixture("langfuse-dataset.jsonl")], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^goldwatch import: \S+langfuse-dataset\.jsonl: line 1: input: got \{"question":[^\n]*; expected a sample/);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const unknown = await goldwatch(["import", "deepeval", "x.json"], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown format "deepeval"\nusage: goldwatch import <format> <file>/);
  });
});
