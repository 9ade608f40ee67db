import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, formatIssue } from "../../src/config/errors.ts";
import { loadConfig } from "../../src/load/load.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "goldwatch-limits-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = (golden: string) => `agents:\n  bot: { kind: demo }\njobs:\n  j: { agent: bot, golden: ${golden}, schedule: "@hourly" }\n`;

async function refused(file: string, env: Record<string, string> = {}): Promise<string[]> {
  try {
    await loadConfig(file, { env });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(formatIssue);
  }
  throw new Error("expected the config to be refused");
}

/** The golden set of the issue's probe: 300,000 small cases, 33 MB. */
async function writeBigGolden(file: string, cases: number): Promise<void> {
  const lines = ["name: big", "cases:"];
  for (let i = 0; i < cases; i++)
    lines.push(`  - id: case-${i}`, `    input: "What is the refund window for plan ${i}?"`, `    assert:`, `      - contains: "30 days"`);
  await writeFile(file, `${lines.join("\n")}\n`);
}

describe("size limits", () => {
  it("refuses a 33 MB golden set with one message naming the file, its size and the fix", async () => {
    await writeBigGolden(path.join(dir, "big.yaml"), 300_000);
    await writeFile(path.join(dir, "goldwatch.config.yaml"), config("big.yaml"));
    const issues = await refused(path.join(dir, "goldwatch.config.yaml"));
    expect(issues).toEqual([
      `${path.join(dir, "big.yaml")}: 33 MB is over the 4 MB limit for a golden set; split it into smaller golden sets, one job each (or raise the limit with GOLDWATCH_GOLDEN_MAX_MB, in MB)`,
    ]);
  });

  it("checks the size before reading: a sparse file over the limit is refused for its size, not its content", async () => {
    // 33 MB of NUL bytes that take no disk: read, it would be "binary data"; stat says its size.
    const golden = path.join(dir, "sparse.yaml");
    await writeFile(golden, "");
    await truncate(golden, 33 * 1_048_576);
    await writeFile(path.join(dir, "goldwatch.config.yaml"), config("sparse.yaml"));
    const cfg = path.join(dir, "goldwatch.config.yaml");
    expect((await refused(cfg))[0]).toContain("33 MB is over the 4 MB limit for a golden set");
    // Raised through the environment, the file is read, and then refused for what it holds.
    expect(await refused(cfg, { GOLDWATCH_GOLDEN_MAX_MB: "40" })).toEqual([
      `${golden}: binary data (a NUL byte at byte offset 0); expected a YAML text file in UTF-8`,
    ]);
  });

  it("limits the config file too (1 MB by default, GOLDWATCH_CONFIG_MAX_MB raises it)", async () => {
    const cfg = path.join(dir, "goldwatch.config.yaml");
    await writeFile(cfg, config("g.yaml") + `# ${"padding ".repeat(140_000)}\n`);
    await writeFile(path.join(dir, "g.yaml"), "name: g\ncases:\n  - { id: a, input: hi, expected: hi }\n");
    const [issue] = await refused(cfg);
    expect(issue).toBe(
      `${cfg}: 1.1 MB is over the 1 MB limit for a config; a config this large is almost certainly not the file you meant (or raise the limit with GOLDWATCH_CONFIG_MAX_MB, in MB)`,
    );
    const loaded = await loadConfig(cfg, { env: { GOLDWATCH_CONFIG_MAX_MB: "2" } });
    expect(loaded.goldens.get("j")!.cases).toHaveLength(1);
  });
});
