type Step = string | number;

/** Parsed paths: an agent reads the same few paths on every reply. */
const parsed = new Map<string, Step[]>();

function stepsOf(jsonPath: string): Step[] {
  let steps = parsed.get(jsonPath);
  if (!steps) {
    steps = (jsonPath.slice(1).match(/\.[^.[\]]+|\[\d+\]/g) ?? []).map((t) => (t.startsWith("[") ? Number(t.slice(1, -1)) : t.slice(1)));
    if (parsed.size < 1_000) parsed.set(jsonPath, steps);
  }
  return steps;
}

/** Reads `$.a.b[0].c` from a parsed JSON value; undefined when any step is missing. */
export function readPath(value: unknown, jsonPath: string): unknown {
  let cur: unknown = value;
  for (const step of stepsOf(jsonPath)) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof step === "number") {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step];
    } else {
      if (typeof cur !== "object") return undefined;
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return cur;
}
