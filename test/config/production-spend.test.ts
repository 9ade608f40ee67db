import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/load/load.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "goldwatch-spend-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(productionSpend: string) {
  const file = path.join(dir, "goldwatch.config.yaml");
  await writeFile(file, `agents:\n  bot: { kind: demo }\n${productionSpend}`);
  return loadConfig(file, { env: {} });
}

async function refused(productionSpend: string): Promise<string[]> {
  try {
    await load(productionSpend);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(formatIssue);
  }
  throw new Error("expected the config to be refused");
}

describe("production_spend in the config", () => {
  it("has its defaults stated without any production_spend block", async () => {
    const { config } = await load("");
    expect(config.production_spend).toEqual({
      enabled: true,
      check_interval: 30_000,
      false_alarms_per_30_days: 1,
      min_ratio: 2.5,
      severity: "critical",
      caps: {},
    });
  });

  it("reads caps per agent and a default", async () => {
    const { config } = await load(
      "production_spend:\n  check_interval: 15s\n  default_cap: { usd_per_hour: 20 }\n  caps:\n    bot: { usd_per_hour: 5, usd_per_minute: 0.5 }\n",
    );
    expect(config.production_spend).toMatchObject({
      check_interval: 15_000,
      default_cap: { usd_per_hour: 20 },
      caps: { bot: { usd_per_hour: 5, usd_per_minute: 0.5 } },
    });
  });

  it("names the field and what it expects when something is wrong", async () => {
    const issues = await refused(
      "production_spend:\n  check_interval: 1s\n  min_ratio: 0.5\n  false_alarms_per_30_days: 0\n  caps:\n    bot: {}\n  max_ratio: 3\n",
    );
    const text = issues.join("\n");
    expect(text).toMatch(/production_spend\.check_interval.*at least 5s/);
    expect(text).toMatch(/production_spend\.min_ratio/);
    expect(text).toMatch(/production_spend\.false_alarms_per_30_days/);
    expect(text).toMatch(/production_spend\.caps\.bot.*usd_per_hour or usd_per_minute/);
    expect(text).toMatch(/max_ratio/);
  });
});
