import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { readYamlFile } from "../config/read-yaml.ts";
import type { ConfigIssue } from "../config/errors.ts";
import { ImportError } from "./types.ts";

/** Source files are read whole: far above any suite people write by hand, below what would hurt. */
export const MAX_SOURCE_BYTES = 64 * 1_048_576;
const LIMIT_ENV = "GOLDWATCH_IMPORT_MAX_MB";

/** The size limit for a file to import: MAX_SOURCE_BYTES, or GOLDWATCH_IMPORT_MAX_MB when set. */
function maxBytes(): number {
  const mb = Number(process.env[LIMIT_ENV]);
  return Number.isFinite(mb) && mb > 0 ? Math.round(mb * 1_048_576) : MAX_SOURCE_BYTES;
}

const limit = () => ({ what: "file to import", maxBytes: maxBytes(), envVar: LIMIT_ENV, advice: "split it into smaller files" });

/** A YAML (or JSON, which is YAML) file's value; an unreadable or malformed file is an ImportError naming it. */
export async function readYamlSource(file: string): Promise<unknown> {
  const issues: ConfigIssue[] = [];
  const value = await readYamlFile(file, limit(), issues);
  const issue = issues[0];
  if (issue) throw new ImportError(issue.file, issue.path, issue.message);
  return value;
}

/** A JSONL file's records with their line numbers (blank lines skipped); a JSON array file is read as one record per item. */
export async function readJsonLines(file: string): Promise<{ line: number; value: unknown }[]> {
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ImportError(file, "", "not a file; expected a JSONL file (one JSON object per line)");
    if (info.size > MAX_SOURCE_BYTES)
      throw new ImportError(file, "", `over ${MAX_SOURCE_BYTES / 1_048_576} MB; split it into smaller files`);
    text = await readFile(file, "utf8");
  } catch (e) {
    if (e instanceof ImportError) throw e;
    throw new ImportError(file, "", `cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.trimStart().startsWith("[")) {
    try {
      const items: unknown = JSON.parse(text);
      if (Array.isArray(items)) return items.map((value, i) => ({ line: i + 1, value }));
    } catch {
      // Not one JSON array: read on as lines (a first line that is an array is reported there).
    }
  }
  const records: { line: number; value: unknown }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    try {
      records.push({ line: i + 1, value: JSON.parse(raw) as unknown });
    } catch (e) {
      throw new ImportError(file, `line ${i + 1}`, `expected one JSON object per line (${(e as Error).message})`);
    }
  });
  return records;
}

const TEST_FILE = /\.(ya?ml|json|jsonl)$/i;

/**
 * The files a promptfoo `tests:` path names, relative to the config: a file, a folder (its YAML,
 * JSON and JSONL files), or a glob whose wildcards (`*`, `?`) are in the file name.
 */
export async function expandTestPath(ref: string, baseDir: string, where: string, configFile: string): Promise<string[]> {
  const rel = ref.replace(/^file:\/\//, "");
  const full = path.resolve(baseDir, rel);
  const name = path.basename(full);
  if (/[*?]/.test(path.dirname(rel)) || rel.includes("**") || /[[{]/.test(name)) {
    throw new ImportError(
      configFile,
      where,
      `expected a file, a folder or a glob with * or ? in the file name only; got ${JSON.stringify(ref)}`,
    );
  }
  if (/[*?]/.test(name)) {
    const re = new RegExp(
      `^${name
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
    const dir = path.dirname(full);
    const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => re.test(n)).sort();
    if (names.length === 0) throw new ImportError(configFile, where, `no files match ${JSON.stringify(ref)} (in ${dir})`);
    return names.map((n) => path.join(dir, n));
  }
  const info = await stat(full).catch(() => undefined);
  if (!info) throw new ImportError(configFile, where, `cannot find ${JSON.stringify(ref)} (looked at ${full})`);
  if (info.isDirectory())
    return (await readdir(full))
      .filter((n) => TEST_FILE.test(n))
      .sort()
      .map((n) => path.join(full, n));
  return [full];
}
