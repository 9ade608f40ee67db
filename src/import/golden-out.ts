import { stringify } from "yaml";
import { formatPath } from "../config/errors.ts";
import { goldenSchema } from "../load/golden.ts";
import { assertionRegistry } from "../scoring/registry.ts";
import type { AssertionSpec } from "../scoring/types.ts";
import type { ImportedCase, ImportResult } from "./types.ts";

/**
 * Checks one assertion against the type's own schema (the one the golden-set loader uses): the
 * reason when it would not load (an RE2-incompatible pattern, an invalid JSON Schema), else undefined.
 */
export function assertionProblem(spec: AssertionSpec): string | undefined {
  const def = assertionRegistry[spec.type];
  if (!def) return `goldwatch has no assertion "${spec.type}"`;
  const parsed = def.schema.safeParse(spec.arg);
  return parsed.success ? undefined : parsed.error.issues.map((i) => i.message).join("; ");
}

/** The golden set as goldwatch reads it: `- contains: "30 days"` per assertion. */
function goldenObject(result: ImportResult): Record<string, unknown> {
  const kase = (c: ImportedCase) => ({
    id: c.id,
    input: c.input,
    ...(c.expected !== undefined ? { expected: c.expected } : {}),
    ...(c.context !== undefined ? { context: c.context } : {}),
    ...(c.tags?.length ? { tags: c.tags } : {}),
    ...(c.assert.length ? { assert: c.assert.map((a) => ({ [a.type]: a.arg })) } : {}),
  });
  return {
    name: result.name,
    ...(result.description ? { description: result.description } : {}),
    cases: result.cases.map(kase),
  };
}

/**
 * The golden-set YAML for an import, validated with the golden-set schema first: an importer
 * never writes a file goldwatch would refuse. Throws naming the first problem (a bug of the importer).
 */
export function goldenYaml(result: ImportResult, source: string): string {
  const golden = goldenObject(result);
  const parsed = goldenSchema.safeParse(golden);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`the imported golden set does not validate at ${formatPath(issue.path)}: ${issue.message}`);
  }
  const header = `# Imported from ${source} by \`goldwatch import\`. Review it: what could not be mapped was reported, not guessed.\n`;
  return header + stringify(golden, { lineWidth: 0 });
}
