import { describe, expect, it } from "vitest";
import { parseTextArray } from "../../src/report/store.ts";

/** text[] from a Postgres server arrives as its array literal (postgres.js runs without fetch_types). */
describe("parseTextArray", () => {
  it("reads quoted elements with commas, quotes and backslashes, bare ones, and drops NULL", () => {
    expect(parseTextArray('{plain,"accuracy dropped 44 points, since 10:00","say \\"hi\\"","back\\\\slash",NULL,"NULL"}')).toEqual([
      "plain",
      "accuracy dropped 44 points, since 10:00",
      'say "hi"',
      "back\\slash",
      "NULL",
    ]);
  });

  it("an empty array, a single element, and what a driver already parsed", () => {
    expect(parseTextArray("{}")).toEqual([]);
    expect(parseTextArray("{one}")).toEqual(["one"]);
    expect(parseTextArray('{"{braces}"}')).toEqual(["{braces}"]);
    expect(parseTextArray(["a", "b"])).toEqual(["a", "b"]);
    expect(parseTextArray(null)).toEqual([]);
  });
});
