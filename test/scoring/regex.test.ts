import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { AlertLabels } from "../../src/alerts/labels.ts";
import { matches, parseMatcher, type Matcher } from "../../src/alerts/silence-matchers.ts";
import { loadGolden } from "../../src/load/load.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { compileLinear } from "../../src/scoring/regex.ts";
import { scoreTrial } from "../../src/scoring/score.ts";
import { observation, tempFiles } from "../helpers/fixtures.ts";

const signal = new AbortController().signal;
const score = async (type: string, arg: unknown, output: string) =>
  (await scoreTrial([{ type, arg }], { id: "c", input: "q" }, observation({ output }), signal)).assertions[0]!;

// On a backtracking engine each of these takes about 2^40 steps (152 s measured for the first): the
// loop stays blocked, and once it is free the test fails on vitest's 5 s timeout.
const EVIL = "a".repeat(40) + "!";

describe("golden-set regexes run in linear time", () => {
  it.each([
    ["regex", "(a+)+$", EVIL, false],
    ["regex", "(a+)+$", "aaaa", true],
    ["not_regex", "(a+)+$", EVIL, true],
    ["regex", "/^(a|aa)+$/i", EVIL, false],
    ["regex", "/^(A|AA)+$/i", "aaaa", true],
    ["regex", "^(\\w+\\s?)*$", `${"word ".repeat(30)}!`, false],
  ])("%s %j on a catastrophic input answers %s", async (type, pattern, output, passed) => {
    const r = await score(type, pattern, output);
    expect(r.passed).toBe(passed);
  });

  it("a json_schema pattern cannot backtrack either", async () => {
    const schema = { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } };
    expect((await score("json_schema", schema, JSON.stringify({ s: EVIL }))).passed).toBe(false);
    expect((await score("json_schema", schema, JSON.stringify({ s: "aaa" }))).passed).toBe(true);
  });

  it("keeps JavaScript syntax and the i, m, s flags", () => {
    expect(compileLinear("\\$\\d+").test("costs $29")).toBe(true);
    expect(compileLinear("/^yes$/im").test("well\nYES")).toBe(true);
    expect(compileLinear("/a.b/s").test("a\nb")).toBe(true);
    expect(compileLinear("/a.b/").test("a\nb")).toBe(false);
    expect(compileLinear("(?<year>\\d{4})-\\d{2}").test("on 2024-05")).toBe(true);
    expect(compileLinear("(?<!un)happy").test("unhappy")).toBe(false);
    expect(compileLinear("[\\w.-]+@[\\w-]+\\.\\w+").test("mail me@example.com")).toBe(true);
  });

  it("refuses what RE2 cannot run, at validation, with the reason", async () => {
    const dir = await tempFiles({
      "g.yaml": [
        "name: g",
        "cases:",
        "  - id: c1",
        "    input: q",
        "    assert:",
        '      - regex: "(?=refund)\\\\w+"',
        '      - not_regex: "(a)\\\\1"',
        '      - regex: "/x/g"',
      ].join("\n"),
    });
    try {
      const error = await loadGolden(path.join(dir, "g.yaml")).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as Error).message;
      expect(text).toContain("g.yaml");
      expect(text).toMatch(
        /expected a regular expression: invalid or unsupported Perl syntax: `\(\?=`.*no lookahead and no backreferences/,
      );
      expect(text).toMatch(/invalid escape sequence: `\\1`/);
      expect(text).toContain('flag "g" is not supported (use i, m, s or u)');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("silence matchers use the same engine", () => {
  it("a catastrophic =~ matcher answers at once", () => {
    const matcher = parseMatcher("case=~(a+)+");
    expect(typeof matcher).not.toBe("string");
    expect(matches([matcher as Matcher], { case: EVIL } as AlertLabels)).toBe(false);
    expect(matches([matcher as Matcher], { case: "aaaa" } as AlertLabels)).toBe(true);
    expect(parseMatcher("case=~(?=x)")).toMatch(/expected a valid regular expression/);
  });
});
