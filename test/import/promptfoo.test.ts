import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { goldenYaml, importPromptfoo, ImportError } from "../../src/import/index.ts";
import { mapAssertion } from "../../src/import/promptfoo-asserts.ts";
import { loadGolden } from "../../src/load/load.ts";
import { assertionRegistry } from "../../src/scoring/registry.ts";
import type { Observation } from "../../src/agents/types.ts";
import { tempDir } from "../helpers/temp.ts";

const FIXTURE = path.join(import.meta.dirname, "fixtures/promptfoo/promptfooconfig.yaml");

/** Writes an import and reads it back with the real golden-set loader. */
async function roundTrip(result: Awaited<ReturnType<typeof importPromptfoo>>) {
  const file = path.join(await tempDir(), "golden.yaml");
  await writeFile(file, goldenYaml(result, "test"));
  return loadGolden(file);
}

/** Whether goldwatch's assertions (all of them) pass on this output, through the real registry. */
async function passes(specs: { type: string; arg: unknown }[], output: string, extra: Partial<Observation> = {}): Promise<boolean> {
  const obs = { output, steps: [], latencyMs: 100, costUsd: 0.001, ...extra } as unknown as Observation;
  for (const s of specs) {
    const def = assertionRegistry[s.type]!;
    const arg = def.schema.parse(s.arg);
    const r = await def.evaluate(arg, { case: { id: "c", input: "q" }, obs, signal: new AbortController().signal });
    if (!r.passed) return false;
  }
  return true;
}

describe("goldwatch import promptfoo: a promptfoo example config", () => {
  it("writes a golden set the real loader reads, one case per test and per combination of array vars", async () => {
    const result = await importPromptfoo(FIXTURE);
    const golden = await roundTrip(result);
    expect(golden.name).toBe("acme-support-bot-regression-suite");
    expect(golden.cases.map((c) => c.id)).toEqual([
      "refund-window-for-annual-plans",
      "password-reset",
      "pro-price-1",
      "pro-price-2",
      "order-status-as-json",
      "refund-mention-lookahead-pattern",
      "python-only-check",
      "invoice-download", // from tests/*.yaml, after the inline tests
      "test-9",
    ]);
    // The one var is the input (the agent wraps it in its own prompt).
    expect(golden.cases[0]!.input).toBe("How long do I have to return an annual plan?");
    expect(golden.cases.slice(2, 4).map((c) => c.input)).toEqual([
      "What is the price of the Pro plan?",
      "How much does Pro cost per month?",
    ]);
    expect(golden.cases[2]!.tags).toEqual(["area=billing"]);
  });

  it("maps each assertion, defaultTest's first, and writes exactly these", async () => {
    const golden = await roundTrip(await importPromptfoo(FIXTURE));
    const by = (id: string) => golden.cases.find((c) => c.id === id)!.assert.map((a) => ({ [a.type]: a.arg }));
    const defaults = [{ not_icontains: "as an AI language model" }, { max_latency_ms: 5000 }];
    expect(by("refund-window-for-annual-plans")).toEqual([
      ...defaults,
      { contains: "30 days" },
      { not_contains: "14 days" },
      { not_contains: "60 days" },
      { judge: { criteria: "States the 30-day refund window and does not promise exceptions", min_score: 0.7 } },
    ]);
    expect(by("password-reset")).toEqual([...defaults, { icontains: "settings" }, { icontains: "security" }, { regex: "^To reset" }]);
    expect(by("pro-price-1")).toEqual([
      ...defaults,
      { regex: "\\$29\\b" },
      { regex: "/(?:per month|\\/month|monthly)/i" },
      { max_cost_usd: 0.002 },
    ]);
    expect(by("order-status-as-json")).toEqual([
      ...defaults,
      { json_schema: { type: "object", required: ["order", "status"] } },
      { json_schema: { const: { order: 1234, status: "shipped" } } },
    ]);
    expect(by("test-9")).toEqual([...defaults, { contains: "VAT" }, { not_equals: "No." }]);
  });

  it("reports what it could not map, the cases it skipped, and what differs", async () => {
    const r = await importPromptfoo(FIXTURE);
    expect(r.unmapped.map((n) => `${n.where} ${n.what}`)).toEqual([
      "defaultTest.assert[2] javascript",
      "tests[1].assert[2] not-contains-all",
      "tests[3].assert[1] contains-json",
      "tests[4].assert[0] regex",
      "tests[6].assert[0] python",
      "tests/billing.yaml[0].assert[2] similar",
    ]);
    expect(r.unmapped.find((n) => n.what === "regex")!.why).toMatch(/lookahead/);
    expect(r.skipped).toEqual([expect.objectContaining({ where: "tests[5]", what: "options.transform" })]);
    expect(r.caveats.map((n) => n.what)).toEqual(["llm-rubric", "contains", "not-equals"]);
  });
});

describe("promptfoo assertions keep their meaning", () => {
  // [promptfoo assertion, output, what promptfoo decides]
  const cases: [Record<string, unknown>, string, boolean][] = [
    [{ type: "contains-any", value: ["cat", "dog"] }, "a dog", true],
    [{ type: "contains-any", value: ["cat", "dog"] }, "a DOG", false],
    [{ type: "contains-any", value: "a.b, c|d" }, "axb", false], // literals, not patterns
    [{ type: "contains-any", value: "a.b, c|d" }, "x c|d", true],
    [{ type: "icontains-any", value: ["cat", "dog"] }, "a DOG", true],
    [{ type: "contains-all", value: ["cat", "dog"] }, "cat and dog", true],
    [{ type: "contains-all", value: ["cat", "dog"] }, "cat only", false],
    [{ type: "icontains-all", value: "Cat, DOG" }, "cat and dog", true],
    [{ type: "not-contains-any", value: ["cat", "dog"] }, "a bird", true],
    [{ type: "not-contains-any", value: ["cat", "dog"] }, "a cat", false],
    [{ type: "not-icontains-any", value: ["cat"] }, "a CAT", false],
    [{ type: "not-contains-all", value: ["cat"] }, "a cat", false],
    [{ type: "starts-with", value: "Yes (" }, "Yes (certainly)", true],
    [{ type: "starts-with", value: "Yes (" }, "Well, Yes (", false],
    [{ type: "not-starts-with", value: "Sorry" }, "Sorry, no", false],
    [{ type: "regex", value: "^\\d{3}$" }, "123", true],
    [{ type: "regex", value: "/a/" }, "x/a/y", true], // promptfoo's RegExp("/a/") matches the slashes too
    [{ type: "regex", value: "/a/" }, "a", false],
    [{ type: "not-regex", value: "error" }, "all fine", true],
    [{ type: "equals", value: "PONG" }, "PONG", true],
    [{ type: "equals", value: 42 }, "42", true],
    [{ type: "equals", value: { a: 1 } }, '{"a": 1}', true],
    [{ type: "equals", value: { a: 1 } }, '{"a": 2}', false],
    [{ type: "not-equals", value: "No." }, "Yes.", true],
    [{ type: "is-json" }, '{"a": 1}', true],
    [{ type: "is-json" }, "not json", false],
    [{ type: "is-json", value: "{type: object, required: [a]}" }, '{"b": 1}', false],
    [{ type: "icontains", value: "{{city}}" }, "It is PARIS", true], // rendered with the test's vars
    [{ type: "latency", threshold: 100 }, "x", true],
    [{ type: "latency", threshold: 99 }, "x", false],
    [{ type: "cost", threshold: 0.001 }, "x", true],
    [
      {
        type: "assert-set",
        assert: [
          { type: "contains", value: "a" },
          { type: "contains", value: "b" },
        ],
      },
      "ab",
      true,
    ],
    [
      {
        type: "assert-set",
        assert: [
          { type: "contains", value: "a" },
          { type: "contains", value: "b" },
        ],
      },
      "a",
      false,
    ],
  ];
  it.each(cases)("%j on %j: %s", async (assertion, output, expected) => {
    const m = mapAssertion(assertion, { city: "Paris" });
    expect(m.unmapped).toBeUndefined();
    expect(await passes(m.specs, output)).toBe(expected);
  });

  it("reports instead of guessing", () => {
    const why = (a: Record<string, unknown>) => mapAssertion(a, {}).unmapped;
    expect(why({ type: "not-is-json" })).toMatch(/no goldwatch form/);
    expect(why({ type: "not-llm-rubric", value: "x" })).toMatch(/no goldwatch form/);
    expect(why({ type: "latency" })).toMatch(/only records a metric/);
    expect(why({ type: "not-cost", threshold: 1 })).toMatch(/no goldwatch form/);
    expect(why({ type: "contains", value: "x", transform: "output.toUpperCase()" })).toMatch(/transform/);
    expect(why({ type: "contains", value: "{{ missing }}" })).toMatch(/vars do not set/);
    expect(why({ type: "contains", value: "{{ a | upper }}" })).toMatch(/does not evaluate/);
    expect(why({ type: "assert-set", threshold: 0.5, assert: [] })).toMatch(/threshold/);
    expect(why({ type: "javascript", value: "output.length < 10" })).toMatch(/code/);
    expect(why({ type: "factuality", value: "x" })).toMatch(/no equivalent of factuality/);
  });
});

describe("promptfoo inputs and errors", () => {
  async function config(yaml: string, extra: Record<string, string> = {}): Promise<string> {
    const dir = await tempDir();
    for (const [name, text] of Object.entries(extra)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), text);
    }
    await writeFile(path.join(dir, "promptfooconfig.yaml"), yaml);
    return path.join(dir, "promptfooconfig.yaml");
  }
  const twoVars = `prompts: ["Translate to {{language}}: {{text}}"]
tests:
  - vars: { language: French, text: Hello world }
    assert: [{ type: icontains, value: bonjour }]
`;

  it("several vars: the one prompt rendered with them; --input-var picks one instead", async () => {
    const file = await config(twoVars);
    expect((await importPromptfoo(file)).cases[0]!.input).toBe("Translate to French: Hello world");
    expect((await importPromptfoo(file, { inputVar: "text" })).cases[0]!.input).toBe("Hello world");
  });

  it("several vars and no inline prompt: the case is skipped, saying to pass --input-var", async () => {
    const r = await importPromptfoo(
      await config(twoVars.replace('prompts: ["Translate to {{language}}: {{text}}"]', "prompts: [file://prompt.txt]")),
    );
    expect(r.cases).toEqual([]);
    expect(r.skipped[0]!.why).toMatch(/vars language, text .*--input-var/);
  });

  it("a file:// var as input is skipped, not sent as a path", async () => {
    const r = await importPromptfoo(
      await config("tests:\n  - vars: { doc: file://docs/a.txt }\n    assert: [{ type: contains, value: x }]\n"),
    );
    expect(r.skipped[0]!.why).toMatch(/file:\/\//);
  });

  it("reads tests from a folder, a JSONL file and a defaultTest file", async () => {
    const file = await config("defaultTest: file://default.yaml\ntests: file://cases/\n", {
      "default.yaml": "assert: [{ type: not-icontains, value: sorry }]\n",
      "cases/a.yaml": "- vars: { q: one }\n  assert: [{ type: contains, value: '1' }]\n",
      "cases/b.jsonl": '{"vars": {"q": "two"}, "assert": [{"type": "contains", "value": "2"}]}\n',
    });
    const r = await importPromptfoo(file);
    expect(r.cases.map((c) => [c.input, c.assert.length])).toEqual([
      ["one", 2],
      ["two", 2],
    ]);
  });

  it("names the file and the field of bad input", async () => {
    await expect(importPromptfoo(await config("tests: 42\n"))).rejects.toThrow(/promptfooconfig\.yaml: tests: expected a list of tests/);
    await expect(importPromptfoo(await config("tests:\n  - vars: [1, 2]\n"))).rejects.toThrow(
      /promptfooconfig\.yaml: tests\[0\]\.vars: expected a promptfoo test/,
    );
    await expect(importPromptfoo(await config("tests: file://missing/*.yaml\n"))).rejects.toThrow(/tests: no files match/);
    const bad = importPromptfoo(await config("tests:\n  - vars: {a: 1\n"));
    await expect(bad).rejects.toBeInstanceOf(ImportError);
    await expect(bad).rejects.toThrow(/promptfooconfig\.yaml: line \d+, column \d+: malformed YAML/);
  });
});
