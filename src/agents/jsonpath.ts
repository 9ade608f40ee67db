/** Reads `$.a.b[0].c` from a parsed JSON value; undefined when any step is missing. */
export function readPath(value: unknown, jsonPath: string): unknown {
  const tokens = jsonPath.slice(1).match(/\.[^.[\]]+|\[\d+\]/g) ?? [];
  let cur: unknown = value;
  for (const t of tokens) {
    if (cur === null || cur === undefined) return undefined;
    if (t.startsWith("[")) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[Number(t.slice(1, -1))];
    } else {
      if (typeof cur !== "object") return undefined;
      cur = (cur as Record<string, unknown>)[t.slice(1)];
    }
  }
  return cur;
}
