import { readFile, stat } from "node:fs/promises";
import { parseDocument } from "yaml";
import type { ConfigIssue } from "./errors.ts";

/** What is being read, for the messages, and how large it may be. */
export interface YamlLimit {
  /** "config" or "golden set". */
  what: string;
  maxBytes: number;
  /** The environment variable that raises the limit, named in the message. */
  envVar: string;
  /** What to do instead of raising it. */
  advice: string;
}

/**
 * Alias uses allowed while building the value (the yaml package's default, stated here because it
 * is our defence): a few dozen `<<: *defaults` merges are fine; a "billion laughs" file is refused
 * before it expands.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * Lists and mappings nested deeper than this are refused: configs nest about 6 levels, JSON
 * Schemas in golden sets a few dozen. It bounds every recursive walk after parsing, and an alias
 * inside its own anchor (`a: &a [*a]`, a cycle once built) is caught by it too.
 */
export const MAX_DEPTH = 100;
const TOO_DEEP = `lists and mappings nested more than ${MAX_DEPTH} levels deep (or an alias used inside its own anchor)`;

/** Nesting depth of a parsed value, counted without recursion and no further than `limit` + 1. */
function depthOf(root: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth + 1 > max) max = depth + 1;
    if (max > limit) return max;
    const children = Array.isArray(node) ? node : node instanceof Map ? [...node.values()] : Object.values(node);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return max;
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1).replace(/\.0$/, "")} MB`;

/** Byte offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
export function invalidUtf8Offset(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Sequence length and the allowed range of the second byte (no overlongs, no surrogates, ≤ U+10FFFF).
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) n = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const c = buf[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

const lineOf = (buf: Uint8Array, offset: number) => {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
};

/**
 * Reads a YAML file into a plain value, or records one issue naming the file and returns undefined.
 * Checked in this order, each before paying for the next: the size (by stat, before reading), a
 * binary or UTF-16 file, invalid UTF-8 (with its byte offset: never silently U+FFFD), malformed
 * YAML (the first error: later ones are usually its echo), and alias expansion.
 */
export async function readYamlFile(file: string, limit: YamlLimit, issues: ConfigIssue[]): Promise<unknown> {
  const fail = (message: string, path = ""): undefined => {
    issues.push({ file, path, message });
    return undefined;
  };
  let buf: Buffer;
  try {
    const info = await stat(file);
    if (!info.isFile()) return fail(`not a file; expected a YAML ${limit.what} file`);
    if (info.size > limit.maxBytes) return fail(tooLarge(info.size, limit));
    buf = await readFile(file);
  } catch (e) {
    return fail(`cannot read file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  // The file may have grown between stat and read.
  if (buf.length > limit.maxBytes) return fail(tooLarge(buf.length, limit));
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    return fail("UTF-16 text; expected YAML in UTF-8 (save the file as UTF-8)");
  }
  const nul = buf.indexOf(0);
  if (nul >= 0) return fail(`binary data (a NUL byte at byte offset ${nul}); expected a YAML text file in UTF-8`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    const at = invalidUtf8Offset(buf);
    return fail(`not valid UTF-8 at byte offset ${at} (line ${lineOf(buf, at)}); save the file as UTF-8`);
  }
  // merge: `<<: *defaults` (YAML 1.1 merge keys) works as people expect from compose files.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more after it)` : "";
    // The position is the issue's path: dropped from the message, with the code frame after it.
    const message = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    // The parser's own stack ran out (where depends on the runtime): say what the file did instead.
    if (/call stack/i.test(message)) return fail(TOO_DEEP);
    return fail(`malformed YAML: ${message}${more}`, pos ? `line ${pos.line}, column ${pos.col}` : "");
  }
  // An unknown tag (`!custom`, `!!js/function`) would be read as its plain text without a word.
  const tag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
  if (tag) {
    const pos = tag.linePos?.[0];
    const name = /Unresolved tag: (\S+)/.exec(tag.message)?.[1] ?? "";
    return fail(`unknown YAML tag ${name}; remove it (only plain YAML values are read)`, pos ? `line ${pos.line}, column ${pos.col}` : "");
  }
  try {
    const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return depthOf(value, MAX_DEPTH) > MAX_DEPTH ? fail(TOO_DEEP) : value;
  } catch (e) {
    const message = (e as Error).message;
    if (/alias count/i.test(message)) {
      return fail(
        `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} alias uses, as in an alias bomb); write the repeated values out or use fewer aliases`,
      );
    }
    // e.g. an alias used before its anchor.
    return fail(`malformed YAML: ${message.split("\n")[0]}`);
  }
}

function tooLarge(bytes: number, limit: YamlLimit): string {
  return `${mb(bytes)} is over the ${mb(limit.maxBytes)} limit for a ${limit.what}; ${limit.advice} (or raise the limit with ${limit.envVar}, in MB)`;
}

/** Size limits, from the environment when set there (in MB). */
export function yamlLimits(env: Record<string, string | undefined>, issues: ConfigIssue[]): { config: YamlLimit; golden: YamlLimit } {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      issues.push({ file: "environment", path: name, message: `expected a size in MB above 0, like 8; got "${raw}"` });
      return fallback;
    }
    return Math.round(value * 1_048_576);
  };
  return {
    config: {
      what: "config",
      maxBytes: read(CONFIG_ENV, DEFAULT_CONFIG_BYTES),
      envVar: CONFIG_ENV,
      advice: "a config this large is almost certainly not the file you meant",
    },
    golden: {
      what: "golden set",
      maxBytes: read(GOLDEN_ENV, DEFAULT_GOLDEN_BYTES),
      envVar: GOLDEN_ENV,
      advice: "split it into smaller golden sets, one job each",
    },
  };
}

const CONFIG_ENV = "GOLDWATCH_CONFIG_MAX_MB";
const GOLDEN_ENV = "GOLDWATCH_GOLDEN_MAX_MB";
/** A config is a page or two of YAML; 1 MB is hundreds of agents and jobs. */
export const DEFAULT_CONFIG_BYTES = 1_048_576;
/**
 * Parsing costs far more than the bytes: 4 MB of small cases (36,000 of them) took about 10 s
 * and 480 MB to validate here, 33 MB took 3.2 GB. Golden sets are usually 20–500 cases.
 */
export const DEFAULT_GOLDEN_BYTES = 4 * 1_048_576;
