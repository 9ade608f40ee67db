import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli.ts";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";
import { tempDir } from "../helpers/temp.ts";
import { honestPair, startPairJudge } from "./judge-stand-ins.ts";

/** `goldwatch samples import` and `goldwatch shadow` in process, on the embedded database, with loopback agents and judge. */
// Each command opens the embedded database anew (seconds on a loaded machine).
describe("goldwatch shadow (CLI)", { timeout: 240_000 }, () => {
  const servers: FakeServer[] = [];
  let file: string;
  let dir: string;
  const out = { stdout: "", stderr: "" };
  let spies: { mockRestore(): void }[] = [];

  const agent = async (answer: (input: string) => string) => {
    const s = await startFakeServer((req, res) => json(res, 200, { output: answer((req.body as { input: string }).input) }));
    servers.push(s);
    return s.url;
  };

  beforeAll(async () => {
    dir = await tempDir();
    const judge = await startPairJudge(honestPair);
    servers.push(judge);
    const good = await agent((q) => `${q}: yes [correct]`);
    const bad = await agent((q) => `${q}: no idea`);
    file = path.join(dir, "goldwatch.config.yaml");
    await writeFile(
      file,
      [
        `data_dir: ${JSON.stringify(path.join(dir, "data"))}`,
        "agents:",
        `  prod: { kind: http, url: "${bad}" }`,
        `  better: { kind: http, url: "${good}" }`,
        `  same: { kind: http, url: "${bad}" }`,
        `judge: { base_url: "${judge.url}", model: gpt-4o-2024-08-06 }`,
        "shadow:",
        "  jobs:",
        "    canary: { candidate: better, incumbent: prod, sample: 40 }",
        "    small: { candidate: same, incumbent: prod, sample: 5 }",
        "    reverse: { candidate: prod, incumbent: better, inputs_from: prod, sample: 40 }",
        "",
      ].join("\n"),
    );
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ input: `question ${i}` }));
    await writeFile(path.join(dir, "inputs.jsonl"), `${lines.join("\n")}\n`);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const run = async (...args: string[]) => {
    out.stdout = "";
    out.stderr = "";
    spies = [
      vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out.stdout += String(s)), true)),
      vi.spyOn(process.stderr, "write").mockImplementation((s) => ((out.stderr += String(s)), true)),
    ];
    try {
      return await main([...args, "--config", file]);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  };

  it("imports JSONL, then passes a better candidate and an identical one (0), and is inconclusive on 5 inputs (2)", async () => {
    expect(await run("samples", "import", path.join(dir, "inputs.jsonl"), "--agent", "prod")).toBe(0);
    expect(out.stdout).toMatch(/imported 40 of 40 inputs/);
    expect(await run("shadow", "canary")).toBe(0);
    expect(out.stdout).toMatch(/^shadow canary: candidate better vs incumbent prod/);
    expect(out.stdout).toMatch(/win rate {3}100\.0%/);
    expect(out.stdout).toMatch(/swap consistency 100\.0%/);
    expect(out.stdout).toMatch(/judge \$0\.\d+ apart \(gpt-4o-2024-08-06, 80 requests, 0 cached\)/);
    expect(out.stdout).toMatch(/\nPASS: /);
    // An identical candidate: consistent ties everywhere, win rate ½ — no worse than the margin.
    expect(await run("shadow", "canary", "--candidate", "same", "--json")).toBe(0);
    const j = JSON.parse(out.stdout) as {
      decision: string;
      exitCode: number;
      summary: { winRate: { estimate: number }; ties: number; swapConsistency: number };
    };
    expect(j).toMatchObject({ decision: "pass", exitCode: 0 });
    expect(j.summary).toMatchObject({ ties: 40, swapConsistency: 1 });
    expect(j.summary.winRate.estimate).toBe(0.5);
    // The same on only 5 inputs cannot rule out a shortfall of 5 points.
    expect(await run("shadow", "small", "--json")).toBe(2);
    expect(JSON.parse(out.stdout)).toMatchObject({ decision: "inconclusive", exitCode: 2 });
  });

  it("fails a worse candidate (1); bad input is an error (3), not the CLI's usual 2", async () => {
    expect(await run("shadow", "reverse")).toBe(1);
    expect(out.stdout).toMatch(/\nFAIL: win rate 0\.0%/);
    expect(await run("shadow", "nope")).toBe(3);
    expect(out.stderr).toMatch(/unknown shadow job "nope" \(shadow jobs in .*: canary, small, reverse\)/);
    expect(await run("shadow", "canary", "--candidate", "ghost")).toBe(3);
    expect(out.stderr).toMatch(/unknown candidate agent "ghost"/);
    expect(await run("shadow", "canary", "--bogus")).toBe(3);
    expect(await run("shadow")).toBe(3);
  });
});
