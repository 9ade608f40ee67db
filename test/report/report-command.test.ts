import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli.ts";
import { report } from "../../src/commands/report.ts";
import { daysCovering, type DriftRow } from "../../src/report/drift.ts";
import { describeWindows, formatDriftReport } from "../../src/report/format-report.ts";
import type { Database } from "../../src/store/db.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { cases, DAY, seedRun } from "./seed.ts";

const ESC = "\x1b[";

const row = (over: Partial<DriftRow>): DriftRow => ({
  job: "support",
  agent: "support-bot",
  windowStart: new Date("2025-03-08T00:00:00Z"),
  windowEnd: new Date("2025-03-15T00:00:00Z"),
  baselineStart: new Date("2025-03-01T00:00:00Z"),
  runsNow: 168,
  runsBaseline: 168,
  accuracyNow: 0.8,
  accuracyBaseline: 0.9,
  accuracyChange: -0.1,
  changeLow: -0.15,
  changeHigh: -0.05,
  casesCompared: 40,
  verdict: "worse",
  costPerCaseNow: 0.02,
  costPerCaseBaseline: 0.01,
  costRatio: 2,
  p95MsNow: 1500,
  p95MsBaseline: 1000,
  p95ChangeMs: 500,
  errorRateNow: 0,
  errorRateBaseline: 0,
  agentModelNow: "model-b",
  agentModelBaseline: "model-a",
  modelChangedAt: new Date("2025-03-09T03:00:00Z"),
  judgeModelNow: "judge",
  judgeModelBaseline: "judge",
  judgeChangedAt: null,
  goldenHashNow: "h",
  goldenChangedAt: null,
  openAlerts: 1,
  openAlertSummaries: ["accuracy dropped"],
  ...over,
});

const windows = { reportDay: "2025-03-14", currentDays: 7, baselineDays: 7 };

describe("formatDriftReport", () => {
  const rows = [
    row({}),
    row({
      job: "billing",
      verdict: "steady",
      accuracyChange: 0.001,
      changeLow: -0.01,
      changeHigh: 0.012,
      costRatio: 1,
      openAlerts: 0,
      openAlertSummaries: [],
      modelChangedAt: null,
      agentModelBaseline: "model-b",
    }),
  ];

  it("is plain text when piped: one aligned line per job", () => {
    const text = formatDriftReport(rows, windows, { color: false });
    expect(text).not.toContain(ESC);
    const lines = text.split("\n");
    expect(lines[0]).toBe(`drift report  ${describeWindows(windows)}`);
    expect(describeWindows(windows)).toBe("2025-03-08 … 2025-03-14 (7 days, UTC) against 2025-03-01 … 2025-03-07");
    const header = lines[2]!;
    const support = lines.find((l) => l.startsWith("support "))!;
    const billing = lines.find((l) => l.startsWith("billing "))!;
    expect(support).toContain("−10.0 [−15.0, −5.0]");
    expect(support).toContain("worse");
    expect(support).toContain("$0.0200 (+100%)");
    expect(support).toContain("1.50 s (+500 ms)");
    expect(support).toContain("model-a → model-b (2025-03-09 03:00Z)");
    expect(billing).toContain("steady");
    // Columns line up: each column starts at the same offset on every line.
    expect(support.indexOf("support-bot")).toBe(header.indexOf("agent"));
    expect(billing.indexOf("steady")).toBe(header.indexOf("verdict"));
    expect(text).toContain("  support: accuracy dropped");
  });

  it("colours a TTY: the worse verdict red, the steady one left alone", () => {
    const text = formatDriftReport(rows, windows, { color: true });
    expect(text).toContain(`${ESC}31mworse`);
    expect(text).not.toContain(`${ESC}31msteady`);
    // Colour never changes what is printed, only how.
    expect(text.replace(/\x1b\[\d+m/g, "")).toBe(formatDriftReport(rows, windows, { color: false }));
  });

  it("says so when there is nothing to compare", () => {
    expect(formatDriftReport([], windows, { color: false })).toContain("no runs in these windows");
  });

  it("rounds --since up to whole days", () => {
    expect(daysCovering(36 * 3_600_000)).toBe(2);
    expect(daysCovering(1)).toBe(1);
    expect(daysCovering(7 * DAY)).toBe(7);
  });
});

describe("goldwatch report", () => {
  let database: Database;
  const clock = new ManualClock("2025-03-14T18:00:00Z");
  beforeAll(async () => {
    database = await testDatabase();
    await seedRun(database.db, { job: "support", at: new Date("2025-03-03T10:00:00Z"), cases: cases([5, 5, 5], 5) });
    await seedRun(database.db, { job: "support", at: new Date("2025-03-13T10:00:00Z"), cases: cases([0, 1, 0], 5), model: "model-b" });
    await seedRun(database.db, { job: "billing", at: new Date("2025-03-13T10:00:00Z"), cases: cases([1], 1) });
  });
  afterAll(() => database?.close());

  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, deps: { db: database.db, clock, out: (t: string) => out.push(t), err: (t: string) => err.push(t), color: false } };
  };

  it("prints the table for the windows ending today", async () => {
    const c = capture();
    expect(await report(c.deps, { since: "7d", json: false })).toBe(0);
    const text = c.out.join("");
    expect(text).toContain("2025-03-08 … 2025-03-14");
    expect(text.split("\n").find((l) => l.startsWith("support"))).toContain("worse");
    expect(text.split("\n").find((l) => l.startsWith("billing"))).toContain("no baseline");
  });

  it("--json carries the windows and typed rows; --job narrows to one job", async () => {
    const c = capture();
    expect(await report(c.deps, { since: "2d", baseline: "14d", json: true, job: "support" })).toBe(0);
    const body = JSON.parse(c.out.join("")) as { windows: typeof windows; jobs: DriftRow[] };
    expect(body.windows).toEqual({ reportDay: "2025-03-14", currentDays: 2, baselineDays: 14 });
    expect(body.jobs.map((j) => [j.job, j.verdict, j.agentModelNow])).toEqual([["support", "worse", "model-b"]]);
  });

  it("names the option and what it expects when a window is malformed", async () => {
    const c = capture();
    expect(await report(c.deps, { since: "a week", json: false })).toBe(2);
    expect(c.err.join("")).toContain('--since "a week" is not a duration; expected e.g. 1d, 7d or 36h');
    const d = capture();
    expect(await report(d.deps, { since: "7d", baseline: "-1d", json: false })).toBe(2);
    expect(d.err.join("")).toContain("--baseline");
  });

  it("exits 2 naming a job the config does not know that has no runs, and the known jobs", async () => {
    const c = capture();
    expect(await report(c.deps, { since: "7d", json: false, job: "suport", knownJobs: ["support", "billing"] })).toBe(2);
    expect(c.err.join("")).toContain('--job "suport": no such job in the config');
    expect(c.err.join("")).toContain("jobs: support, billing");
    expect(c.out).toEqual([]);
    // A job gone from the config but with runs is still reported.
    const d = capture();
    expect(await report(d.deps, { since: "7d", json: true, job: "billing", knownJobs: ["support"] })).toBe(0);
  });

  it("is registered as `goldwatch report` and reads the configured database", async () => {
    const dir = await tempFiles({
      "golden.yaml": "name: g\ncases:\n  - id: a\n    input: hi\n    assert:\n      - contains: hi\n",
    });
    const file = path.join(dir, "goldwatch.config.yaml");
    await writeFile(
      file,
      `agents:\n  bot: { kind: demo }\njobs:\n  support:\n    agent: bot\n    golden: golden.yaml\n    schedule: "@hourly"\n`,
    );
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      expect(await main(["report", "--config", file, "--json", "--since", "3d"])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const body = JSON.parse(writes.join("")) as { windows: { currentDays: number }; jobs: unknown[] };
    expect(body.windows.currentDays).toBe(3);
    expect(body.jobs).toEqual([]); // a fresh embedded database under the config's data_dir
  });
});
