// A real drop on a busy schedule, through the whole pipeline the service runs after every run:
// stored run → detectors (src/detect/index.ts) → alert lifecycle → outbox → the Slack client
// against a Slack stand-in. Runs are stored as the engine stores them (rows and trials); time is
// a manual clock stepped a minute per run, so a per-minute job's hour takes no wall-clock hour.
import { afterAll, describe, expect, it } from "vitest";
import { handleFindings } from "../../src/alerts/index.ts";
import { createAlertWorker } from "../../src/notify/delivery.ts";
import { alertDeps, createApp, deliveryDeps, type App } from "../../src/app.ts";
import type { LoadedConfig } from "../../src/load/load.ts";
import { configSchema } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { runDetectors } from "../../src/detect/index.ts";
import { silentLogger } from "../../src/log.ts";
import { createRng, type Rng } from "../../src/stats/rng.ts";
import { beta } from "../../bench/detection-sim.ts";
import { storeRun } from "../alerts/setup.ts";
import { detectDeps } from "../detect/helpers.ts";
import { ManualClock } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/slack-server.ts";

const JOB = "support-hourly";
const MINUTE = 60_000;
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** A noisy agent: 20 cases with heterogeneous true rates (Beta(3.4, 0.6), mean 0.85), 10 repeats a run. */
class NoisyAgent {
  readonly rates: number[];
  constructor(private readonly rng: Rng) {
    this.rates = Array.from({ length: 20 }, () => beta(rng, 3.4, 0.6));
  }
  cases(drop: number) {
    return this.rates.map((r, i) => {
      let passes = 0;
      for (let t = 0; t < 10; t++) if (this.rng.uniform() < Math.max(0, r - drop)) passes++;
      return { id: `case-${i}`, passes, scored: 10 };
    });
  }
}

async function setup(): Promise<{ app: App; clock: ManualClock; slack: FakeSlack; step: (drop: number) => Promise<string[]> }> {
  const slack = await startFakeSlack({ token: "xoxb-incident-test" });
  const database = await testDatabase();
  cleanup.push(
    () => slack.close(),
    () => database.close(),
  );
  const clock = new ManualClock(new Date("2025-06-02T08:00:00Z"));
  const config = configSchema.parse({
    agents: { "support-bot": { kind: "demo" } },
    // Every minute, no fixed floor: only the statistics page.
    jobs: { [JOB]: { agent: "support-bot", golden: "golden.yaml", schedule: "* * * * *", repeats: 10 } },
    notify: { slack: { token: "xoxb-incident-test", channel: "#oncall", api_url: slack.apiUrl } },
  });
  const loaded: LoadedConfig = { file: "/tmp/goldwatch.config.yaml", dir: "/tmp", config, goldens: new Map(), secrets: new Secrets() };
  const app = createApp(loaded, database, silentLogger(), clock);
  const worker = createAlertWorker(deliveryDeps(app), { random: () => 1 });
  const agent = new NoisyAgent(createRng(20251128));
  const job = config.jobs[JOB]!;
  /** One run as the service handles it; returns the detectors that fired. */
  const step = async (drop: number) => {
    const summary = await storeRun(app, { job: JOB, cases: agent.cases(drop) });
    const findings = await runDetectors(detectDeps(app), { jobName: JOB, job, summary });
    await handleFindings(alertDeps(app), { jobName: JOB, job, summary, findings });
    await worker.drain({ timeoutMs: 0 });
    clock.tick(MINUTE);
    return findings.map((f) => f.detector);
  };
  return { app, clock, slack, step };
}

describe("a 10-point drop on a per-minute job with heterogeneous cases", () => {
  it("quiet runs do not page; the drop pages within 10 minutes, stays firing for 100 runs, and the resolve shows the recovery", async () => {
    const { slack, step } = await setup();
    for (let i = 0; i < 60; i++) await step(0);
    expect(slack.messages).toEqual([]);

    let paged = -1;
    for (let minute = 1; minute <= 10 && paged < 0; minute++) {
      await step(0.1);
      if (slack.roots().length > 0) paged = minute;
    }
    expect(paged).toBeGreaterThan(0);
    const root = slack.roots()[0]!;
    expect(root.text).toContain("FIRING");
    expect(root.text).toMatch(/accuracy (dropped|drifting|still below)/);

    // The drop lasts: its runs never become the yardstick, so it never resolves on its own.
    // The drop is paged by the sudden-drop test or its continuation on every run, not only by the CUSUM.
    const seen: string[][] = [];
    for (let i = paged; i < 100; i++) seen.push(await step(0.1));
    expect(seen.filter((d) => !d.includes("drop")).length).toBeLessThanOrEqual(3);
    expect(seen.slice(-20).every((d) => d.includes("drift"))).toBe(true);
    expect(slack.messages.filter((m) => /RESOLVED/.test(m.text ?? ""))).toEqual([]);

    // Back to normal: resolved within a few runs, the message says against what and how far it fell.
    let resolvedAfter = -1;
    for (let i = 1; i <= 15 && resolvedAfter < 0; i++) {
      await step(0);
      if (slack.messages.some((m) => /RESOLVED/.test(m.text ?? ""))) resolvedAfter = i;
    }
    expect(resolvedAfter).toBeGreaterThan(0);
    const resolved = slack.messages.find((m) => /RESOLVED/.test(m.text ?? ""))!;
    expect(resolved.text).toMatch(/reference/);
    // Every message compares with the level before the incident, never with the incident's own runs.
    const baselines = slack.messages.flatMap((m) => [...(m.text ?? "").matchAll(/vs baseline (\d+\.\d)%/g)].map((x) => Number(x[1])));
    expect(baselines.length).toBeGreaterThan(0);
    for (const b of baselines) expect(b).toBeGreaterThan(80);
    expect(slack.roots()).toHaveLength(1);
    // 161 runs through the real detectors and store: about 30 s alone, longer on a loaded machine.
  }, 180_000);
});
