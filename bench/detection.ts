// `bun bench/index.ts detection`: proves the detection thresholds by simulation. Simulated
// agents (K = 40 cases × N = 5 repeats, per-case true rates ~ Beta(8.5, 1.5), seeded) run hourly
// through the same pure detectRun the service calls after every run, with the default policy of
// an hourly job. Prints every figure of the detection issues against its target, and says plainly
// when one is not met; nothing here feeds back into the thresholds (but for the one tuned number,
// DROP_TILT, whose sweep `--sweep` prints).
//
// Options: --agents=N (default 40), --seed=S (default 20240501), --sweep (tilt sweep only).
import { trimHistory } from "../src/detect/baseline.ts";
import { cusumHForBaseline } from "../src/detect/cusum-design.ts";
import { detectRun, type DetectOutput } from "../src/detect/detect-run.ts";
import { historyNeeded, resolvePolicy, type DetectionPolicy } from "../src/detect/policy.ts";
import type { DetectionRecord, RunPoint } from "../src/detect/types.ts";
import { median } from "../src/stats/robust.ts";
import { createRng } from "../src/stats/rng.ts";
import { IN_CONTROL, SimAgent, type RunEffect, type SimDesign } from "./detection-sim.ts";
import { oracleP } from "./oracle.ts";

const DESIGN: SimDesign = { cases: 40, repeats: 5, meanRate: 0.85, concentration: 10, errorRate: 0.005 };
const RUNS = 720;
/** Branch tests start once the baseline window has filled twice over. */
const WARM = 96;
const DROP_EVERY = 6;
const DRIFT_EVERY = 48;
const DRIFT_CAP = 500;
const ACCURACY_DETECTORS = new Set(["drop", "drift", "flaky"]);
/** The alert lifecycle's defaults: an alert opens on a finding and resolves after 2 clear runs. */
const KEEP_FIRING_FOR = 2;
const MINUTE = 60_000;

const ADDITIVE: RunEffect = { drop: 0.1, costFactor: 1 };
const LOGIT: RunEffect = { drop: 0.1, costFactor: 1, shape: "logit" };

/** A job's detection state as the service keeps it: its history and last detection record. */
class Monitor {
  history: RunPoint[] = [];
  previous: DetectionRecord | undefined;
  constructor(private readonly policy: DetectionPolicy) {}

  peek(run: RunPoint): DetectOutput {
    return detectRun({ current: run, history: this.history, previous: this.previous, policy: this.policy });
  }

  step(run: RunPoint): DetectOutput {
    const out = this.peek(run);
    // The service reads each run's incident flag back from its detection record.
    // The service loads these runs (loadHistory); keeping the same ones keeps the same behaviour.
    this.history = trimHistory([out.record.incident ? { ...run, incident: true } : run, ...this.history], historyNeeded(this.policy));
    this.previous = out.record;
    return out;
  }

  fork(): Monitor {
    const m = new Monitor(this.policy);
    m.history = [...this.history];
    m.previous = this.previous;
    return m;
  }
}

const accuracyAlert = (out: DetectOutput) => out.findings.some((f) => ACCURACY_DETECTORS.has(f.detector));

/** Tracks alert episodes the way the lifecycle does: a finding opens one, KEEP_FIRING_FOR clear runs end it. */
class Episodes {
  count = 0;
  private readonly open = new Map<string, number>();
  observe(out: DetectOutput): Set<string> {
    const present = new Set(out.findings.map((f) => (f.caseId ? `${f.detector}:${f.caseId}` : f.detector)));
    for (const id of present) {
      if (!this.open.has(id)) this.count++;
      this.open.set(id, 0);
    }
    for (const [id, clear] of this.open) {
      if (present.has(id)) continue;
      if (clear + 1 >= KEEP_FIRING_FOR) this.open.delete(id);
      else this.open.set(id, clear + 1);
    }
    return present;
  }
  isOpen(id: string): boolean {
    return this.open.has(id);
  }
}

interface Tally {
  runs: number;
  runsWithFindings: number;
  episodes: number;
  byDetector: Map<string, number>;
  dropTests: number;
  dropHits: number;
  logitHits: number;
  oracleP: number[];
  dropHitsBy: Map<string, number>;
  costTests: number;
  costHits: number;
  driftRuns: number[];
  persistTests: number;
  persistFiring: number;
}

const PERSIST_EVERY = 240;
const PERSIST_RUNS = 100;

function simulateAgent(seed: number, policy: DetectionPolicy, t: Tally): void {
  const rng = createRng(seed);
  const agent = new SimAgent(rng, DESIGN, new Date("2024-05-01T00:00:00Z"));
  const monitor = new Monitor(policy);
  const episodes = new Episodes();
  for (let i = 0; i < RUNS; i++) {
    if (i >= WARM && (i - WARM) % DROP_EVERY === 0) {
      const dropRun = agent.run(ADDITIVE, i);
      const drop = monitor.peek(dropRun);
      t.dropTests++;
      t.oracleP.push(oracleP(agent.rates, dropRun, 0.1));
      if (accuracyAlert(drop)) t.dropHits++;
      for (const f of drop.findings) t.dropHitsBy.set(f.detector, (t.dropHitsBy.get(f.detector) ?? 0) + 1);
      if (accuracyAlert(monitor.peek(agent.run(LOGIT, i)))) t.logitHits++;
      const cost = monitor.peek(agent.run({ drop: 0, costFactor: 2 }, i));
      t.costTests++;
      if (cost.findings.some((f) => f.detector === "spend")) t.costHits++;
    }
    if (i >= WARM && (i - WARM) % DRIFT_EVERY === 0)
      t.driftRuns.push(runsToDetect(monitor.fork(), agent, { drop: 0.03, costFactor: 1 }, i));
    if (i >= WARM && (i - WARM) % PERSIST_EVERY === 0) {
      t.persistTests++;
      if (stillFiring(monitor.fork(), agent, i)) t.persistFiring++;
    }
    const out = monitor.step(agent.run(IN_CONTROL, i));
    t.runs++;
    if (out.findings.length > 0) t.runsWithFindings++;
    for (const f of out.findings) t.byDetector.set(f.detector, (t.byDetector.get(f.detector) ?? 0) + 1);
    const before = episodes.count;
    episodes.observe(out);
    t.episodes += episodes.count - before;
  }
}

/** Affected runs until an accuracy alert (1 = the first affected run); DRIFT_CAP when never. */
function runsToDetect(monitor: Monitor, agent: SimAgent, effect: RunEffect, from: number): number {
  for (let j = 1; j <= DRIFT_CAP; j++) {
    if (accuracyAlert(monitor.step(agent.run(effect, from + j - 1)))) return j;
  }
  return DRIFT_CAP;
}

/** A 10-point drop that lasts PERSIST_RUNS runs: is its drop alert still open at the end (never resolved in between)? */
function stillFiring(monitor: Monitor, agent: SimAgent, from: number): boolean {
  const episodes = new Episodes();
  let opened = false;
  for (let j = 0; j < PERSIST_RUNS; j++) {
    episodes.observe(monitor.step(agent.run(ADDITIVE, from + j)));
    const open = episodes.isOpen("drop") || episodes.isOpen("drift");
    if (opened && !open) return false;
    opened ||= open;
  }
  return opened;
}

/** First-run power against both drop shapes for a K × N design (fresh agents, 48+ run baselines). */
function firstRunPower(design: SimDesign, policy: DetectionPolicy, agents: number, seed: number): { additive: number; logit: number } {
  let tests = 0;
  let additive = 0;
  let logit = 0;
  for (let a = 0; a < agents; a++) {
    const agent = new SimAgent(createRng(seed + a), design, new Date("2024-05-01T00:00:00Z"));
    const monitor = new Monitor(policy);
    for (let i = 0; i < 96; i++) {
      if (i >= 48 && i % 2 === 0) {
        tests++;
        if (accuracyAlert(monitor.peek(agent.run(ADDITIVE, i)))) additive++;
        if (accuracyAlert(monitor.peek(agent.run(LOGIT, i)))) logit++;
      }
      monitor.step(agent.run(IN_CONTROL, i));
    }
  }
  return { additive: additive / tests, logit: logit / tests };
}

/**
 * The per-minute scenario of issue 11: 20 heterogeneous cases × 10 repeats every minute, 60 quiet
 * runs, then a 10-point drop: minutes until it pages. Also the quiet runs' false alerts.
 */
function perMinute(agents: number, seed: number, schedule = "* * * * *"): { minutes: number[]; quietRuns: number; quietEpisodes: number } {
  const policy = resolvePolicy({
    schedule,
    timezone: "UTC",
    alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48 },
  });
  const design: SimDesign = { cases: 20, repeats: 10, meanRate: 0.85, concentration: 4, errorRate: 0.005 };
  const minutes: number[] = [];
  let quietRuns = 0;
  let quietEpisodes = 0;
  for (let a = 0; a < agents; a++) {
    const agent = new SimAgent(createRng(seed + a), design, new Date("2024-05-01T00:00:00Z"));
    const monitor = new Monitor(policy);
    const episodes = new Episodes();
    for (let i = 0; i < 300; i++) {
      episodes.observe(monitor.step(agent.run(IN_CONTROL, i, MINUTE)));
      quietRuns++;
    }
    quietEpisodes += episodes.count;
    let found = 60;
    for (let j = 1; j <= 60; j++) {
      if (accuracyAlert(monitor.step(agent.run(ADDITIVE, 300 + j, MINUTE)))) {
        found = j;
        break;
      }
    }
    minutes.push(found);
  }
  return { minutes, quietRuns, quietEpisodes };
}

function option(args: string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  const v = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} expects a positive number`);
  return v;
}

const fmt = (x: number, d = 2) => x.toFixed(d);
const pc = (x: number) => `${fmt(x * 100, 1)}%`;
const verdict = (ok: boolean) => (ok ? "met" : "NOT MET");

function hourlyPolicy(): DetectionPolicy {
  return resolvePolicy({
    schedule: "0 * * * *",
    timezone: "UTC",
    alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48 },
  });
}

/** Runs the simulation and prints its figures. */
export async function run(args: string[]): Promise<void> {
  const agents = option(args, "agents", 40);
  const seed = option(args, "seed", 20240501);
  const policy = hourlyPolicy();
  if (args.includes("--sweep")) {
    for (const tilt of [0, 0.5, 0.6, 0.7, 0.8, 1]) {
      const p = firstRunPower(DESIGN, { ...policy, dropTilt: tilt }, agents * 4, seed + 7);
      console.log(`tilt ${fmt(tilt, 1)}: additive ${pc(p.additive)}, logit-shaped ${pc(p.logit)}`);
    }
    return;
  }
  const t: Tally = {
    runs: 0,
    runsWithFindings: 0,
    episodes: 0,
    byDetector: new Map(),
    dropTests: 0,
    dropHits: 0,
    logitHits: 0,
    oracleP: [],
    dropHitsBy: new Map(),
    costTests: 0,
    costHits: 0,
    driftRuns: [],
    persistTests: 0,
    persistFiring: 0,
  };
  const started = performance.now();
  for (let a = 0; a < agents; a++) simulateAgent(seed + a, policy, t);
  const minute = perMinute(Math.max(10, agents), seed + 1000);
  const quarter = perMinute(Math.max(10, agents / 2), seed + 3000, "*/15 * * * *");
  // The same agents (the same seeds draw the same case rates) at each N.
  const byN = [3, 5, 8, 10].map((n) => ({ n, ...firstRunPower({ ...DESIGN, repeats: n }, policy, agents, seed) }));
  const seconds = (performance.now() - started) / 1000;

  const per720 = (n: number) => (n / t.runs) * RUNS;
  // An alert is what pages: findings on consecutive runs are one alert (the lifecycle's rule).
  const falseAlerts = per720(t.episodes);
  const dropRate = t.dropHits / t.dropTests;
  const logitRate = t.logitHits / t.dropTests;
  const driftMedian = median(t.driftRuns);
  const costRate = t.costHits / t.costTests;
  const within10 = minute.minutes.filter((m) => m <= 10).length / minute.minutes.length;
  const persist = t.persistFiring / t.persistTests;

  console.log(
    `K=${DESIGN.cases} cases × N=${DESIGN.repeats} repeats; true rates ~ Beta(${fmt(DESIGN.meanRate * DESIGN.concentration, 1)}, ${fmt((1 - DESIGN.meanRate) * DESIGN.concentration, 1)}) (mean ${DESIGN.meanRate}); ${agents} agents × ${RUNS} hourly runs; seed ${seed}; ${fmt(seconds, 1)} s`,
  );
  const fullBaselineH = cusumHForBaseline(policy.cusum.arl0, policy.cusum.k, 1 / (policy.baselineRuns + 1));
  console.log(
    `policy: one false alert per ${policy.falseAlarmRuns} runs; sudden drop: conditional exact test at α = 1/${Math.round(1 / policy.alpha.drop)} (tilt ${policy.dropTilt}); ` +
      `CUSUM k=${policy.cusum.k} h=${fmt(fullBaselineH)} for ARL₀ ${Math.round(policy.cusum.arl0)} with a ${policy.baselineRuns}-run baseline; guard ${policy.baselineGuard} runs`,
  );
  console.log("");
  const row = (label: string, value: string, target: string, ok: boolean) =>
    console.log(`${label.padEnd(58)} ${value.padStart(8)}   target ${target.padEnd(8)} ${verdict(ok)}`);
  row("in-control: false alerts per 720 runs (all detectors)", fmt(falseAlerts), "≤ 1", falseAlerts <= 1);
  row("10-point additive drop: alerted on the first run", pc(dropRate), "≥ 85%", dropRate >= 0.85);
  row("10-point logit-shaped drop: alerted on the first run", pc(logitRate), "≥ 70%", logitRate >= 0.7);
  row("3-point sustained drift: median runs to alert", fmt(driftMedian, 0), "≤ 48", driftMedian <= 48);
  row("cost per case ×2: detected on the first run", pc(costRate), "≥ 99%", costRate >= 0.99);
  row(`10-point drop lasting ${PERSIST_RUNS} runs: still firing at the end`, pc(persist), "100%", persist >= 1);
  row("per-minute job (20 × 10): 10-point drop paged within 10 min", pc(within10), "≥ 90%", within10 >= 0.9);
  console.log("");
  console.log(
    `per-minute job: minutes to page a 10-point drop: median ${fmt(median(minute.minutes), 0)}, max ${Math.max(...minute.minutes)} ` +
      `(${minute.minutes.length} agents after 300 quiet runs); quiet runs: ${minute.quietEpisodes} alerts in ${minute.quietRuns} runs ` +
      `(${fmt((minute.quietEpisodes / minute.quietRuns) * 43_200, 1)} a month at one run a minute; its budget is 1 per 43,200 runs)`,
  );
  const within = (xs: number[], n: number) => pc(xs.filter((m) => m <= n).length / xs.length);
  console.log(
    `every 15 minutes (20 × 10, windows ${resolvePolicy({ schedule: "*/15 * * * *", timezone: "UTC", alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48 } }).dropWindows.join(", ")}): ` +
      `10-point drop paged on the first run ${within(quarter.minutes, 1)}, within 2 runs ${within(quarter.minutes, 2)}, within 4 runs ${within(quarter.minutes, 4)}`,
  );
  console.log("first-run power against N (K = 40, same policy):");
  console.log("  N    additive   logit-shaped");
  for (const r of byN) console.log(`  ${String(r.n).padEnd(4)} ${pc(r.additive).padStart(8)}   ${pc(r.logit).padStart(8)}`);
  console.log("");
  const breakdown = [...t.byDetector].map(([d, n]) => `${d} ${fmt(per720(n))}`).join(", ") || "none";
  console.log(
    `in-control: an alert opens on a finding and resolves after ${KEEP_FIRING_FOR} clear runs (the alert lifecycle's defaults); ` +
      `runs with any finding: ${fmt(per720(t.runsWithFindings))} per 720 (${breakdown})`,
  );
  const dropBy = [...t.dropHitsBy].map(([d, n]) => `${d} ${pc(n / t.dropTests)}`).join(", ");
  console.log(
    `10-point drop tests: ${t.dropTests} (${dropBy}); drift runs: ${t.driftRuns.length} (90th percentile ${fmt(quantile90(t.driftRuns), 0)})`,
  );
  const ceiling = (alpha: number) => pc(t.oracleP.filter((p) => p < alpha).length / t.oracleP.length);
  console.log(
    `ceiling: the most powerful test, knowing every case's true rate, alerts on the first run of an additive 10-point drop in ${ceiling(policy.alpha.drop)} of tests at the drop detector's share α = 1/${Math.round(1 / policy.alpha.drop)}, ` +
      `and in ${ceiling(1 / RUNS)} with the whole budget α = 1/${RUNS}`,
  );
}

function quantile90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(0.9 * s.length))] ?? Number.NaN;
}
