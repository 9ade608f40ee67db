import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadGolden } from "../../src/load/load.ts";
import { parseDuration } from "../../src/config/duration.ts";
import { tempFiles } from "../helpers/fixtures.ts";

describe("golden sets", () => {
  it("hash the content, not the formatting or key order", async () => {
    const dir = await tempFiles({
      "a.yaml": `name: s\ncases:\n  - id: c1\n    input: "q"\n    assert: [ { contains: "x" } ]\n`,
      "b.yaml": `# reformatted\nname: s\ncases:\n  - assert:\n      - contains: x\n    input: q\n    id: c1\n`,
      "c.yaml": `name: s\ncases:\n  - id: c1\n    input: "q"\n    assert: [ { contains: "y" } ]\n`,
    });
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((n) => loadGolden(path.join(dir, `${n}.yaml`))));
    expect(a!.hash).toBe(b!.hash);
    expect(a!.hash).not.toBe(c!.hash);
  });

  it("ships a valid example", async () => {
    const g = await loadGolden(path.resolve("golden/demo-support.yaml"));
    expect(g.cases.length).toBeGreaterThanOrEqual(5);
  });
});

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["60s", 60_000],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["90d", 90 * 86_400_000],
    ["1.5s", 1_500],
  ])("%s is %d ms", (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(["", "soon", "10 parsecs", "-1s"])("rejects %j", (text) => expect(parseDuration(text)).toBeUndefined());
});
