import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MATRIX, renderMatrix } from "./matrix.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("the fault matrix", () => {
  it("names only tests that exist, each by its exact title", async () => {
    for (const row of MATRIX) {
      expect(row.tests.length, row.fault).toBeGreaterThan(0);
      for (const ref of row.tests) {
        const [file, name] = ref.split(" > ", 2) as [string, string];
        const text = await readFile(path.join(root, file), "utf8");
        // A title appears as a string literal, quoted with " or `.
        expect(text.includes(`"${name}"`) || text.includes(`\`${name}\``), `${row.fault}: ${ref}`).toBe(true);
      }
    }
  });

  it("is what docs/reliability.md shows", async () => {
    const doc = await readFile(path.join(root, "docs/reliability.md"), "utf8");
    expect(doc).toContain(renderMatrix());
  });
});
