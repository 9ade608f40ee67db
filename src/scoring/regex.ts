import { RE2JS } from "re2js";

/**
 * Golden-set regular expressions run on RE2 (re2js, a pure-JavaScript port): matching takes time
 * linear in the output, so no pattern can stall the event loop, however it nests (`(a+)+$` against
 * forty a's and a `!` took 152 s on the backtracking engine). RE2 has no lookahead and no
 * backreferences; such patterns are refused when the golden set is validated, with the reason.
 */
export interface LinearRegex {
  test(text: string): boolean;
}

const FLAGS: Record<string, number> = { i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, u: 0 };

// Compiled patterns by source: a golden set's few patterns are scored thousands of times.
const cache = new Map<string, LinearRegex>();
const CACHE_LIMIT = 1_000;

/** The pattern and flags of `/body/flags` or of a bare pattern. */
function parts(pattern: string): { body: string; flags: string } {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  return m ? { body: m[1]!, flags: m[2]! } : { body: pattern, flags: "" };
}

/**
 * Compiles a golden-set pattern (`/body/flags` with flags i, m, s, u, or a bare pattern in
 * JavaScript syntax) for RE2. Throws an Error that says why a pattern cannot run in linear time.
 */
export function compileLinear(pattern: string): LinearRegex {
  const { body, flags } = parts(pattern);
  return compileRe2(body, flags);
}

function compileRe2(body: string, flags: string): LinearRegex {
  const key = `${flags}/${body}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let bits = RE2JS.LOOKBEHINDS;
  for (const f of flags) {
    const bit = FLAGS[f];
    if (bit === undefined) throw new Error(`flag "${f}" is not supported (use i, m, s or u)`);
    bits |= bit;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(RE2JS.translateRegExp(body), bits);
  } catch (e) {
    const why = (e as Error).message.replace(/^error parsing regexp: /, "");
    throw new Error(`${why} (patterns run on RE2, in linear time: no lookahead and no backreferences)`, { cause: e });
  }
  const compiled: LinearRegex = { test: (text) => re.test(text) };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, compiled);
  return compiled;
}

/**
 * The same engine for Ajv (`code.regExp`), so `pattern` and `patternProperties` in a
 * `json_schema` assertion cannot backtrack either. Ajv passes "u" as flags.
 */
export const ajvRegExp = Object.assign((pattern: string, _flags: string): LinearRegex => compileRe2(pattern, ""), {
  code: "compileLinear",
});
