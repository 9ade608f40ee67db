import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { DEFAULT_SHADOW_RUBRIC } from "../../src/config/shadow.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/load/load.ts";
import { scheduledShadowJobs } from "../../src/shadow/scheduled.ts";
import { tempDir } from "../helpers/temp.ts";

const judge = { base_url: "http://127.0.0.1:9/v1", model: "gpt-4o-2024-08-06" };
const agents = { a: { kind: "demo" }, b: { kind: "demo" } };
const issues = (input: unknown) => {
  const r = configSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("shadow: config", () => {
  it("defaults: sampling everything with redaction, 50 inputs, 1 repeat, margin and α 0.05, the default rubric", () => {
    const c = configSchema.parse({ agents, judge, shadow: { jobs: { canary: { candidate: "a", incumbent: "b" } } } });
    expect(c.shadow.sampling).toEqual({ rate: 1, redact_pii: true, max_input_chars: 20_000 });
    expect(c.shadow.jobs.canary).toMatchObject({
      sample: 50,
      repeats: 1,
      margin: 0.05,
      alpha: 0.05,
      min_consistency: 0.5,
      rubric: DEFAULT_SHADOW_RUBRIC,
      timezone: "UTC",
      concurrency: 4,
      enabled: true,
      budget: { trial: {}, run: {} },
    });
    expect(configSchema.parse({ agents }).shadow).toEqual({ sampling: { rate: 1, redact_pii: true, max_input_chars: 20_000 }, jobs: {} });
  });

  it("names unknown agents, a missing judge, and out-of-range numbers", () => {
    expect(issues({ agents, judge, shadow: { jobs: { c: { candidate: "x", incumbent: "b" } } } })).toEqual([
      'shadow.jobs.c.candidate: unknown agent "x" (agents defined: a, b)',
    ]);
    expect(issues({ agents, shadow: { jobs: { c: { candidate: "a", incumbent: "b" } } } })).toEqual([
      "shadow.jobs.c: a shadow job needs a judge: add a judge: section to the config",
    ]);
    const bad = issues({
      agents,
      judge,
      shadow: { sampling: { rate: 2 }, jobs: { c: { candidate: "a", incumbent: "b", margin: 0.5, alpha: 0, sample: 1, extra: 1 } } },
    });
    expect(bad.some((m) => m.startsWith("shadow.sampling.rate:"))).toBe(true);
    expect(bad.some((m) => m.startsWith("shadow.jobs.c.margin:"))).toBe(true);
    expect(bad.some((m) => m.startsWith("shadow.jobs.c.alpha:"))).toBe(true);
    expect(bad.some((m) => m.startsWith("shadow.jobs.c.sample:"))).toBe(true);
    expect(bad.some((m) => /shadow\.jobs\.c: Unrecognized key.*extra/.test(m))).toBe(true);
  });

  it("a bad schedule or time zone is reported at load, naming the field", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "goldwatch.config.yaml");
    await writeFile(
      file,
      `agents: { a: { kind: demo }, b: { kind: demo } }\njudge: { base_url: "http://127.0.0.1:9", model: gpt-4o-2024-08-06 }\nshadow:\n  jobs:\n    c: { candidate: a, incumbent: b, schedule: "61 * * * *" }\n    d: { candidate: a, incumbent: b, schedule: "@hourly", timezone: Mars/Olympus }\n`,
    );
    const err = await loadConfig(file, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["shadow.jobs.c.schedule", "shadow.jobs.d.timezone"]));
  });

  it("the scheduler's table: scheduled jobs only, under shadow:<job>", () => {
    const c = configSchema.parse({
      agents,
      judge,
      shadow: { jobs: { on: { candidate: "a", incumbent: "b", schedule: "@hourly" }, cli: { candidate: "a", incumbent: "b" } } },
    });
    expect(scheduledShadowJobs(c.shadow.jobs)).toEqual({
      jobs: { "shadow:on": { schedule: "@hourly", timezone: "UTC", enabled: true, grace: 300_000, catch_up: 0 } },
    });
  });
});
