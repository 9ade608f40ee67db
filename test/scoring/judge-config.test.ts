import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/load/load.ts";
import { tempFiles } from "../helpers/fixtures.ts";

const golden = `name: g
cases:
  - id: refund
    input: "How long do I have to return an annual plan?"
    expected: "30 days"
    assert:
      - contains: "30"
      - judge: { rubric: correctness }
  - id: hours
    input: "When are you open?"
    assert:
      - judge: relevance
`;

const config = (judge: string) => `agents:
  bot: { kind: demo }
${judge}jobs:
  j: { agent: bot, golden: g.yaml, schedule: "@hourly" }
`;

async function load(files: Record<string, string>) {
  const dir = await tempFiles(files);
  return { dir, loading: loadConfig(path.join(dir, "goldwatch.config.yaml"), { env: { JUDGE_KEY: "sk-judge-secret-123456" } }) };
}

async function issues(files: Record<string, string>) {
  const { dir, loading } = await load(files);
  const e = await loading.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return { dir, issues: (e as ConfigError).issues, message: (e as ConfigError).message };
}

describe("judge configuration", () => {
  it("loads a pinned judge with the golden set that uses it", async () => {
    const { loading } = await load({
      "goldwatch.config.yaml": config(
        `judge: { base_url: "http://127.0.0.1:9/v1", api_key: "\${JUDGE_KEY}", model: gpt-4o-2024-08-06 }\npricing: { my-model: { input_per_mtok: 1, output_per_mtok: 2 } }\nredact_pii: true\n`,
      ),
      "g.yaml": golden,
    });
    const loaded = await loading;
    expect(loaded.config.judge).toMatchObject({ model: "gpt-4o-2024-08-06", response_format: "json_schema", timeout: 60_000 });
    expect(loaded.config.pricing["my-model"]).toEqual({ input_per_mtok: 1, output_per_mtok: 2 });
    expect(loaded.config.redact_pii).toBe(true);
    expect(loaded.config.jobs.j!.redact_pii).toBeUndefined();
    expect(loaded.secrets.redact("key sk-judge-secret-123456")).toBe("key [redacted]");
  });

  it("rejects a golden set that uses judge: when the config has no judge, naming the file and the field", async () => {
    const { dir, issues: found } = await issues({ "goldwatch.config.yaml": config(""), "g.yaml": golden });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ file: path.join(dir, "g.yaml"), path: "cases[0].assert[1].judge" });
    expect(found[0]!.message).toContain("no judge: section");
    expect(found[1]).toMatchObject({ path: "cases[1].assert[0].judge" });
  });

  it.each(["gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet-latest", "chatgpt-4o-latest"])(
    "rejects the unpinned judge model %s, naming judge.model",
    async (model) => {
      const { issues: found, message } = await issues({
        "goldwatch.config.yaml": config(`judge: { base_url: "http://127.0.0.1:9/v1", model: ${model} }\n`),
        "g.yaml": golden,
      });
      expect(found.map((i) => i.path)).toEqual(["judge.model"]);
      expect(found[0]!.message).toContain(`"${model}" is not pinned`);
      expect(message).toContain("goldwatch.config.yaml: judge.model:");
    },
  );

  it("asks for expected with the correctness rubric and context with faithfulness", async () => {
    const bad = `name: g
cases:
  - id: a
    input: "q"
    assert:
      - judge: correctness
      - judge: { rubric: faithfulness }
      - judge: { rubric: faithfulness, context: "given here" }
      - judge: { criteria: "Is the answer polite?" }
  - id: b
    input: "q"
    expected: "x"
    context: "y"
    assert:
      - judge: correctness
      - judge: faithfulness
`;
    const judge = `judge: { base_url: "http://127.0.0.1:9/v1", model: gpt-4o-2024-08-06 }\n`;
    const { issues: found } = await issues({ "goldwatch.config.yaml": config(judge), "g.yaml": bad });
    expect(found.map(formatIssue).map((l) => l.slice(l.indexOf("g.yaml")))).toEqual([
      "g.yaml: cases[0].assert[0].judge.expected: the correctness rubric needs an expected answer: set expected on the case or on this judge assertion",
      "g.yaml: cases[0].assert[1].judge.context: the faithfulness rubric needs a context: set context on the case or on this judge assertion",
    ]);
  });

  it("names the field of a malformed judge assertion", async () => {
    const bad = `name: g
cases:
  - id: a
    input: "q"
    assert:
      - judge: { rubric: relevance, criteria: "both" }
      - judge: { rubric: tone }
      - judge: { rubric: relevance, min_score: 7 }
`;
    const judge = `judge: { base_url: "http://127.0.0.1:9/v1", model: gpt-4o-2024-08-06 }\n`;
    const { issues: found } = await issues({ "goldwatch.config.yaml": config(judge), "g.yaml": bad });
    expect(found.map(formatIssue).map((l) => l.slice(l.indexOf("g.yaml")))).toEqual([
      "g.yaml: cases[0].assert[0].judge: expected either rubric (correctness, faithfulness, relevance, safety) or criteria (your own rubric text), not both",
      "g.yaml: cases[0].assert[1].judge.rubric: expected one of: correctness, faithfulness, relevance, safety",
      expect.stringMatching(/^g\.yaml: cases\[0\]\.assert\[2\]\.judge\.min_score: /),
    ]);
  });
});
