import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/load/load.ts";
import { tempFiles } from "../helpers/fixtures.ts";

const golden = `name: g
cases:
  - id: a
    input: "hello"
    assert:
      - contains: "hi"
`;

const config = (jobs: string, agents = "  bot: { kind: demo }\n") => `agents:\n${agents}jobs:\n${jobs}`;

async function loadError(files: Record<string, string>, env: Record<string, string> = {}): Promise<ConfigError> {
  const dir = await tempFiles(files);
  try {
    await loadConfig(path.join(dir, "goldwatch.config.yaml"), { env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected the config to be rejected");
}

describe("loadConfig", () => {
  it("loads a valid config with its golden set, resolving paths from the config's folder", async () => {
    const dir = await tempFiles({
      "goldwatch.config.yaml": config(
        `  j:\n    agent: bot\n    golden: g.yaml\n    schedule: "@hourly"\n    repeats: 3\n    budget: { trial: { ttl: 90s } }\n`,
      ),
      "g.yaml": golden,
    });
    const loaded = await loadConfig(path.join(dir, "goldwatch.config.yaml"), { env: {} });
    expect(loaded.config.jobs.j!.repeats).toBe(3);
    expect(loaded.config.jobs.j!.budget.trial.ttl).toBe(90_000);
    expect(loaded.config.server.port).toBe(8080);
    expect(loaded.goldens.get("j")!.cases.map((c) => c.id)).toEqual(["a"]);
    expect(loaded.goldens.get("j")!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("fills ${VAR} and ${VAR:-default}, typing whole-value numbers, and PORT overrides server.port", async () => {
    const dir = await tempFiles({
      "goldwatch.config.yaml": `agents:
  bot: { kind: demo, quality: "\${Q:-0.5}" }
  web:
    kind: http
    url: "\${AGENT_URL}"
    headers: { authorization: "Bearer \${AGENT_TOKEN}" }
jobs:
  j: { agent: bot, golden: g.yaml, schedule: "0 * * * *" }
`,
      "g.yaml": golden,
    });
    const loaded = await loadConfig(path.join(dir, "goldwatch.config.yaml"), {
      env: { AGENT_URL: "http://127.0.0.1:9/agent", AGENT_TOKEN: "s3cret-token-value", PORT: "9191" },
    });
    const bot = loaded.config.agents.bot!;
    expect(bot.kind === "demo" && bot.quality).toBe(0.5);
    const web = loaded.config.agents.web!;
    expect(web.kind === "http" && web.headers.authorization).toBe("Bearer s3cret-token-value");
    expect(loaded.config.server.port).toBe(9191);
    expect(loaded.secrets.redact("auth Bearer s3cret-token-value failed")).toBe("auth Bearer [redacted] failed");
    // Read into an agent's URL: a secret whatever the variable's name (it may carry a signature).
    expect(loaded.secrets.redact("http://127.0.0.1:9/agent")).toBe("[redacted]");
  });

  it("names the variable, file and field when an environment variable is missing", async () => {
    const err = await loadError({
      "goldwatch.config.yaml": `agents:\n  web: { kind: openai, base_url: "http://x.test/v1", model: m-2024-01-01, api_key: "\${OPENAI_KEY}" }\njobs: {}\n`,
    });
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.path).toBe("agents.web.api_key");
    expect(err.message).toContain("goldwatch.config.yaml: agents.web.api_key: environment variable OPENAI_KEY is not set");
  });

  it("reports malformed YAML with its line", async () => {
    const err = await loadError({ "goldwatch.config.yaml": "agents:\n  bot: { kind: demo\njobs: [\n" });
    expect(err.issues[0]!.file).toMatch(/goldwatch\.config\.yaml$/);
    expect(err.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(err.issues[0]!.message).toMatch(/^malformed YAML/);
  });

  it("rejects an unknown agent in a job, naming the agents that exist", async () => {
    const err = await loadError({
      "goldwatch.config.yaml": config(`  j: { agent: nobody, golden: g.yaml, schedule: "0 * * * *" }\n`),
      "g.yaml": golden,
    });
    expect(err.message).toContain('jobs.j.agent: unknown agent "nobody" (agents defined: bot)');
  });

  it("rejects negative repeats with the path and what was expected", async () => {
    const err = await loadError({
      "goldwatch.config.yaml": config(`  support-hourly: { agent: bot, golden: g.yaml, schedule: "0 * * * *", repeats: -2 }\n`),
      "g.yaml": golden,
    });
    expect(err.issues.map((i) => i.path)).toEqual(["jobs.support-hourly.repeats"]);
    expect(err.issues[0]!.message).toMatch(/expected number to be >0|too small/i);
  });

  it("rejects an unknown assertion type in the golden file, listing the known ones", async () => {
    const err = await loadError({
      "goldwatch.config.yaml": config(`  j: { agent: bot, golden: g.yaml, schedule: "0 * * * *" }\n`),
      "g.yaml": `name: g\ncases:\n  - id: a\n    input: hi\n    assert:\n      - contains: hi\n      - sounds_like: "hello"\n`,
    });
    expect(err.issues[0]!.file).toMatch(/g\.yaml$/);
    expect(err.issues[0]!.path).toBe("cases[0].assert[1].sounds_like");
    expect(err.issues[0]!.message).toMatch(/unknown assertion type "sounds_like" \(expected one of: .*contains/);
  });

  it("rejects a bad assertion argument, a duplicate case id, bad cron and bad durations", async () => {
    const err = await loadError({
      "goldwatch.config.yaml": config(`  j: { agent: bot, golden: g.yaml, schedule: "61 * * * *", budget: { trial: { ttl: soon } } }\n`),
      "g.yaml": `name: g\ncases:\n  - { id: a, input: hi, assert: [ { max_latency_ms: fast } ] }\n  - { id: a, input: hi, expected: x }\n`,
    });
    const paths = err.issues.map((i) => `${path.basename(i.file)}:${i.path}`);
    expect(paths).toContain("goldwatch.config.yaml:jobs.j.budget.trial.ttl");
    expect(err.message).toContain("expected a duration like 500ms, 60s");
    // Golden and schedule problems surface once the config itself is valid.
    const err2 = await loadError({
      "goldwatch.config.yaml": config(`  j: { agent: bot, golden: g.yaml, schedule: "61 * * * *" }\n`),
      "g.yaml": `name: g\ncases:\n  - { id: a, input: hi, assert: [ { max_latency_ms: fast } ] }\n  - { id: a, input: hi, expected: x }\n`,
    });
    const paths2 = err2.issues.map((i) => `${path.basename(i.file)}:${i.path}`);
    expect(paths2).toEqual(expect.arrayContaining(["goldwatch.config.yaml:jobs.j.schedule", "g.yaml:cases[0].assert[0].max_latency_ms"]));
  });

  it("rejects duplicate case ids and cases that cannot be judged", async () => {
    const err = await loadError({
      "goldwatch.config.yaml": config(`  j: { agent: bot, golden: g.yaml, schedule: "0 * * * *" }\n`),
      "g.yaml": `name: g\ncases:\n  - { id: a, input: hi, expected: x }\n  - { id: a, input: hi, expected: x }\n  - { id: b, input: hi }\n`,
    });
    expect(err.message).toContain('cases[1].id: duplicate case id "a"');
    expect(err.message).toContain("cases[2].assert: expected assertions or an `expected` answer");
  });

  it("names a missing golden file", async () => {
    const err = await loadError({ "goldwatch.config.yaml": config(`  j: { agent: bot, golden: nowhere.yaml, schedule: "0 * * * *" }\n`) });
    expect(err.issues[0]!.file).toMatch(/nowhere\.yaml$/);
    expect(err.issues[0]!.message).toContain("cannot read file (ENOENT)");
  });

  it("never puts a secret value into an error message", async () => {
    const err = await loadError(
      { "goldwatch.config.yaml": `agents:\n  web: { kind: http, url: "\${AGENT_TOKEN}" }\njobs: {}\n` },
      { AGENT_TOKEN: "tok-very-secret-123" },
    );
    expect(err.message).toContain("agents.web.url");
    expect(err.message).not.toContain("tok-very-secret-123");
  });
});
