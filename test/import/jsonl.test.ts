import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { goldenYaml, importLangfuse, importOpenAiEvals } from "../../src/import/index.ts";
import { loadGolden } from "../../src/load/load.ts";
import { tempDir } from "../helpers/temp.ts";

const fixture = (name: string) => path.join(import.meta.dirname, "fixtures", name);

async function roundTrip(result: Awaited<ReturnType<typeof importLangfuse>>) {
  const file = path.join(await tempDir(), "golden.yaml");
  await writeFile(file, goldenYaml(result, "test"));
  return loadGolden(file);
}

async function jsonl(lines: string[]): Promise<string> {
  const file = path.join(await tempDir(), "data.jsonl");
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}

describe("goldwatch import openai-evals: a samples.jsonl", () => {
  it("input (text or chat) to the input, ideal checked as Includes and kept as expected; the loader reads it", async () => {
    const result = await importOpenAiEvals(fixture("samples.jsonl"));
    const golden = await roundTrip(result);
    expect(golden.name).toBe("samples");
    expect(golden.cases.map((c) => [c.id, c.input, c.expected, c.assert.map((a) => ({ [a.type]: a.arg }))])).toEqual([
      ["sample-1", "What is the capital of France?", "Paris", [{ contains: "Paris" }]],
      ["sample-2", "What is the capital of Australia?", "Canberra", [{ regex: "/(?:Canberra|Canberra, ACT)/" }]],
      ["sample-3", "What is 12 multiplied by 12? Answer with the number only.", "144", [{ contains: "144" }]],
      // Line 4 is blank; line 5 has turns, so it is a transcript.
      [
        "sample-5",
        "system: Complete the phrase as concisely as possible.\nuser: Once upon a \nassistant: time\nuser: The quick brown fox jumps over the lazy ",
        "dog",
        [{ contains: "dog" }],
      ],
      ["sample-6", "Which planet is known as the Red Planet? (a) Venus (b) Mars (c) Jupiter", "(b)", [{ contains: "(b)" }]],
    ]);
    expect(result.caveats.map((c) => c.what)).toEqual(["input", "system message", "ideal"]);
    expect(result.caveats.find((c) => c.what === "system message")!.where).toBe("2 sample(s)");
  });

  it("--match match: the output starts with an ideal answer; --ignore-case: in any case", async () => {
    const r = await importOpenAiEvals(fixture("samples.jsonl"), { match: "match" });
    expect(r.cases[1]!.assert).toEqual([{ type: "regex", arg: "/^(?:Canberra|Canberra, ACT)/" }]);
    const i = await importOpenAiEvals(fixture("samples.jsonl"), { ignoreCase: true });
    expect(i.cases.slice(0, 2).map((c) => c.assert)).toEqual([
      [{ type: "icontains", arg: "Paris" }],
      [{ type: "regex", arg: "/(?:Canberra|Canberra, ACT)/i" }],
    ]);
  });

  it("names the file, the line and the field of a bad sample", async () => {
    await expect(importOpenAiEvals(await jsonl(['{"input": "a", "ideal": "b"}', '{"input": "a"}']))).rejects.toThrow(
      /data\.jsonl: line 2: ideal: missing; expected a sample/,
    );
    await expect(importOpenAiEvals(await jsonl(['{"input": "a", "ideal": "b"}', "{not json"]))).rejects.toThrow(
      /data\.jsonl: line 2: expected one JSON object per line/,
    );
    await expect(importOpenAiEvals(await jsonl(['{"input": [{"role": "user"}], "ideal": "b"}']))).rejects.toThrow(/line 1: input/);
  });
});

describe("goldwatch import langfuse: a dataset export", () => {
  it("input and expectedOutput to the case, archived items and items with nothing to check skipped", async () => {
    const result = await importLangfuse(fixture("langfuse-dataset.jsonl"));
    const golden = await roundTrip(result);
    expect(golden.name).toBe("langfuse-dataset");
    expect(golden.cases.map((c) => [c.id, c.input, c.expected, c.assert.map((a) => ({ [a.type]: a.arg }))])).toEqual([
      ["cm3k1q2w30001", "How long do I have to return an annual plan?", "30 days", []],
      ["cm3k1q2w30002", "Do you support SAML single sign-on?", "Enterprise plan", []],
      [
        "cm3k1q2w30003",
        "Which export formats do you offer?",
        '{"formats":["CSV","JSON"]}',
        [{ json_schema: { const: { formats: ["CSV", "JSON"] } } }],
      ],
    ]);
    expect(result.skipped.map((s) => [s.where, s.what])).toEqual([
      ["line 5", "expectedOutput"],
      ["1 item(s)", "status ARCHIVED"],
    ]);
    expect(result.caveats.at(-1)!.why).toMatch(/contains it, ignoring case; 1 object answer/);
  });

  it("reads a JSON array export too, and names the line and field of a bad item", async () => {
    const file = path.join(await tempDir(), "items.json");
    await writeFile(
      file,
      JSON.stringify([
        { input: "a", expectedOutput: "b" },
        { input: "c", expectedOutput: "d", status: "DONE" },
      ]),
    );
    await expect(importLangfuse(file)).rejects.toThrow(/items\.json: line 2: status: .*expected a dataset item/);
    await expect(importLangfuse(await jsonl(['{"input": null, "expectedOutput": "x"}']))).rejects.toThrow(
      /line 1: input: missing or empty/,
    );
  });
});
