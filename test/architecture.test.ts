import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The layering and size limits of docs/architecture.md, checked on every `npm test`.
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 100;

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
  );

const lines = (text: string) => text.split("\n").length - (text.endsWith("\n") ? 1 : 0);

/** Every function-like node longer than `max` lines, as `file:line name (n lines)`. */
function longFunctions(file: string, text: string, max: number): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const n = end - start + 1;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : "(anonymous)";
      if (n > max) out.push(`${file}:${start + 1} ${name} (${n} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe("architecture (docs/architecture.md)", () => {
  it("every import follows the layers in .dependency-cruiser.cjs, and no files import each other in a loop", async () => {
    const options = await extractDepcruiseOptions(path.resolve(".dependency-cruiser.cjs"));
    const tsConfig = extractTSConfig("tsconfig.json");
    const result = (await cruise(["src"], options, {}, { tsConfig })).output as ICruiseResult;
    const violations = result.summary.violations.map((v) =>
      v.cycle?.length ? `${v.rule.name}: ${v.cycle.map((c) => c.name).join(" → ")}` : `${v.rule.name}: ${v.from} → ${v.to}`,
    );
    expect(violations).toEqual([]);
    // The rules saw the code: a cruise that read nothing would pass too.
    expect(result.summary.totalCruised).toBeGreaterThan(150);
  });

  it(`no file in src/ is over ${MAX_FILE_LINES} lines`, () => {
    const long = sources("src")
      .map((f) => ({ f, n: lines(readFileSync(f, "utf8")) }))
      .filter(({ n }) => n > MAX_FILE_LINES)
      .map(({ f, n }) => `${f} (${n} lines)`);
    expect(long).toEqual([]);
  });

  it(`no function in src/ is over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = sources("src").flatMap((f) => longFunctions(f, readFileSync(f, "utf8"), MAX_FUNCTION_LINES));
    expect(long).toEqual([]);
    // The measure finds functions: a long one made here is caught.
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const x${i} = ${i};`).join("\n");
    expect(longFunctions("probe.ts", `export function probe() {\n${body}\n}\n`, MAX_FUNCTION_LINES)).toEqual([
      `probe.ts:1 probe (${MAX_FUNCTION_LINES + 2} lines)`,
    ]);
  });
});
