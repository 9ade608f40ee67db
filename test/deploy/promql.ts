// The series selectors of a PromQL expression: each metric name with the label names it matches
// on. Enough PromQL for rule files and dashboards (no parser dependency): strings, label
// matchers, ranges and grouping clauses are taken out before names are read, so a label value,
// a duration or `by (le)` is never mistaken for a metric.

/** A metric named in an expression, with the label names of its `{...}` matchers. */
export interface Selector {
  name: string;
  labels: string[];
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "atan2",
  "inf",
  "nan",
]);
const IDENT = /[A-Za-z_:][A-Za-z0-9_:]*/y;

/** Label names in a `{...}` matcher list (`job="x", le=~"..."` → [job, le]). */
function matcherLabels(body: string): string[] {
  const names: string[] = [];
  const noStrings = body.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  for (const m of noStrings.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) names.push(m[1]!);
  return names;
}

/** Every series selector in `expr`, in order. Throws on unbalanced braces. */
export function selectors(expr: string): Selector[] {
  const out: Selector[] = [];
  let i = 0;
  const s = expr;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '"' || c === "'" || c === "`") {
      // A string outside a selector (e.g. label_replace's arguments): skipped whole.
      const close = c === "`" ? s.indexOf("`", i + 1) : findClose(s, i, c);
      i = close + 1;
      continue;
    }
    if (c === "[") {
      i = s.indexOf("]", i) + 1; // a range or subquery: [5m], [$__rate_interval], [1h:5m]
      if (i === 0) throw new Error(`unbalanced [ in ${expr}`);
      continue;
    }
    if (c === "{") {
      // A selector with no name: {__name__="x"}.
      const end = braceEnd(s, i);
      const body = s.slice(i + 1, end);
      const named = /__name__\s*=\s*"([^"]+)"/.exec(body);
      if (named) out.push({ name: named[1]!, labels: matcherLabels(body).filter((l) => l !== "__name__") });
      i = end + 1;
      continue;
    }
    IDENT.lastIndex = i;
    const m = IDENT.exec(s);
    if (!m || /[0-9.$]/.test(s[i - 1] ?? "")) {
      i++;
      continue;
    }
    const word = m[0];
    i += word.length;
    let j = i;
    while (s[j] === " " || s[j] === "\n" || s[j] === "\t") j++;
    if (KEYWORDS.has(word.toLowerCase())) {
      // `by (a, b)`, `on (x)`, `group_left (y)`: label lists, not metrics.
      if (s[j] === "(") i = s.indexOf(")", j) + 1;
      continue;
    }
    if (s[j] === "(") continue; // a function: its arguments are read on
    if (/^(by|without)\s*\(/i.test(s.slice(j))) continue; // `sum by (x) (...)`: an aggregation
    if (word.startsWith("$")) continue;
    let labels: string[] = [];
    if (s[j] === "{") {
      const end = braceEnd(s, j);
      labels = matcherLabels(s.slice(j + 1, end));
      i = end + 1;
    }
    out.push({ name: word, labels });
  }
  return out;
}

function findClose(s: string, from: number, quote: string): number {
  for (let k = from + 1; k < s.length; k++) {
    if (s[k] === "\\") k++;
    else if (s[k] === quote) return k;
  }
  throw new Error(`unterminated string in ${s}`);
}

function braceEnd(s: string, from: number): number {
  for (let k = from + 1; k < s.length; k++) {
    const c = s[k]!;
    if (c === '"' || c === "'") k = findClose(s, k, c);
    else if (c === "}") return k;
  }
  throw new Error(`unbalanced { in ${s}`);
}
