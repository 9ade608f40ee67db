import type { AssertionSpec } from "../scoring/types.ts";

/** One case as an importer builds it: the fields of a golden-set case, assertions as written. */
export interface ImportedCase {
  id: string;
  input: string;
  expected?: string;
  context?: string;
  tags?: string[];
  assert: AssertionSpec[];
}

/** Something an importer could not carry over (or carried over with a difference), and where. */
export interface ImportNote {
  /** Where in the source: `tests[2].assert[1]`, `line 14`. */
  where: string;
  /** What it was: `javascript`, `file:// var`, `transform`. */
  what: string;
  /** Why it was left out or what changed. */
  why: string;
}

/** What an importer produced: the cases and everything it could not map. */
export interface ImportResult {
  /** The golden set's name (letters, digits, - and _). */
  name: string;
  description?: string;
  cases: ImportedCase[];
  /** Assertions or fields left out; the case was kept with the rest. */
  unmapped: ImportNote[];
  /** Cases left out whole (no input, no assertion left, archived). */
  skipped: ImportNote[];
  /** Mapped, but not identically: what differs. */
  caveats: ImportNote[];
}

/** Thrown for input an importer cannot read at all; the message names the file, the field and what was expected. */
export class ImportError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    readonly expected: string,
  ) {
    super(`${file}${where ? `: ${where}` : ""}: ${expected}`);
    this.name = "ImportError";
  }
}

/** An empty result to fill. */
export const emptyResult = (name: string): ImportResult => ({ name, cases: [], unmapped: [], skipped: [], caveats: [] });
