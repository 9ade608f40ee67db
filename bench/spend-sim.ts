// `npm run bench -- spend-sim [--agents=N] [--trials=N] [--seed=N] [--false-alarms=N] [--min-ratio=X]
// [--delay=S]`: the production-spend
// detector (src/detect/production-spend.ts, the code the service runs) over simulated seasonal
// traffic (bench/spend-traffic.ts), checked every 30 s as the spend-watch worker does, with the
// alert lifecycle's defaults (fire on the first finding, resolve after 2 clear minutes), with the
// policy the worker derives from the config's defaults (min_ratio 2.5, 1 false page per 30 days).
//   - false pages per agent per 30 days of in-control traffic (target ≤ 1), after 29 days of history;
//   - ingest-to-page latency for a 5× jump at a random time (target ≤ 2 min, worker interval and a
//     10 s ingest delay included), and the share paged within 2, 10 and 60 minutes for 2× and 3×.
// --false-alarms and --min-ratio set the config's false_alarms_per_30_days and min_ratio; --delay
// the seconds between a call and its spend being in the table (default 10).
import { transition, type LifecycleState } from "../src/alerts/lifecycle.ts";
import { productionSpendSchema } from "../src/config/production-spend.ts";
import { assessSpend, type SpendPolicy } from "../src/detect/production-spend.ts";
import { spendPolicy } from "../src/spend-watch/worker.ts";
import { DAY_MS, MINUTE_MS } from "../src/detect/spend-baseline.ts";
import { quantile } from "../src/stats/descriptive.ts";
import { createRng, type Rng } from "../src/stats/rng.ts";
import {
  addCalls,
  baseRate,
  minutePoints,
  poisson,
  randomShape,
  seriesAt,
  simulateTraffic,
  SUB_MS,
  SUBS,
  type Shape,
  type Traffic,
} from "./spend-traffic.ts";

/** What one simulation runs with: the worker's policy from a `production_spend` config, and the ingest delay. */
interface Setting {
  policy: SpendPolicy;
  checkMs: number;
  delayMs: number;
}

/** The config's defaults unless the arguments set false_alarms_per_30_days or min_ratio, through the worker's own policy. */
function setting(falseAlarms: number, minRatio: number, delayMs: number): Setting {
  const config = productionSpendSchema.parse({ false_alarms_per_30_days: falseAlarms, min_ratio: minRatio });
  return { policy: spendPolicy(config, "sim"), checkMs: config.check_interval, delayMs };
}
const HISTORY_DAYS = 29;
const EVAL_DAYS = 30;
/** Monday 2026-01-05 00:00 UTC. */
const START = Date.UTC(2026, 0, 5);
const LIFECYCLE = { for: 1, keepFiringFor: 2, repeatIntervalMs: 4 * 3_600_000 };

/** Steps the alert as src/alerts/plan.ts does: once per check minute (the worker's check id). */
class Pager {
  state: LifecycleState | undefined;
  lastMinute = -1;
  pages = 0;
  step(nowMs: number, present: boolean): boolean {
    const minute = Math.floor(nowMs / MINUTE_MS);
    if (this.state && this.lastMinute === minute) return false;
    const t = transition(this.state, { present, silenced: false }, LIFECYCLE, new Date(nowMs));
    if (t.next) {
      this.state = t.next;
      this.lastMinute = minute;
    }
    if (t.notify === "firing") this.pages++;
    return t.notify === "firing";
  }
}

/**
 * Minimum ratios tried besides the default, as a what-if: decided from the same check's windows
 * (ratio and z), so they cost no extra detector calls.
 */
const WHAT_IF_RATIOS = [2, 3];

/** One check as the worker makes it: findings (the service's decision) and, per what-if ratio, whether it would page. */
function check(sim: Setting, traffic: Traffic, minutes: ReturnType<typeof minutePoints>, nowMs: number, extra?: Traffic): boolean[] {
  const { policy } = sim;
  const series = seriesAt(traffic, minutes, nowMs - sim.delayMs, extra);
  const a = assessSpend({ job: "sim", agent: "sim", nowMs, series, firstSeenMs: traffic.startMs, policy });
  return [a.findings.length > 0, ...WHAT_IF_RATIOS.map((r) => a.windows.some((w) => w.ratio >= r && w.z >= policy.threshold))];
}

/** The extra calls of a jump to `multiple`× from `atMs` for `minutes`, at the in-control rate without bursts. */
function jumpTraffic(rng: Rng, shape: Shape, atMs: number, multiple: number, minutes: number): Traffic {
  const n = minutes * SUBS;
  const t: Traffic = { startMs: atMs, cost: new Float64Array(n), tokens: new Float64Array(n), calls: new Float64Array(n) };
  const rate = baseRate(shape, START);
  for (let i = 0; i < n; i++) addCalls(rng, poisson(rng, (multiple - 1) * rate((atMs - START) / SUB_MS + i)), t, i);
  return t;
}

/** One jump: how busy the agent was when it began (calls per minute, in-control) and how long until the page. */
interface Jump {
  callsPerMinute: number;
  latencyMs: number;
  /** The same for each what-if minimum ratio. */
  whatIf: number[];
}

interface AgentResult {
  shape: Shape;
  falsePages: number;
  whatIfPages: number[];
  jumps: Map<number, Jump[]>;
}

function simulateAgent(sim: Setting, seed: number, trials: number): AgentResult {
  const checkMs = sim.checkMs;
  const rng = createRng(seed);
  const shape = randomShape(rng, 0.5, 100);
  const traffic = simulateTraffic(rng, shape, START, HISTORY_DAYS + EVAL_DAYS);
  const minutes = minutePoints(traffic);
  const phase = rng.int(3) * SUB_MS;
  const evalStart = START + HISTORY_DAYS * DAY_MS;
  const pagers = [0, ...WHAT_IF_RATIOS].map(() => new Pager());
  for (let t = evalStart + phase; t < evalStart + EVAL_DAYS * DAY_MS; t += checkMs) {
    const present = check(sim, traffic, minutes, t);
    pagers.forEach((p, i) => p.step(t, present[i]!));
  }

  const jumps = new Map<number, Jump[]>();
  const rate = baseRate(shape, START);
  for (const multiple of [2, 3, 5]) {
    const out: Jump[] = [];
    for (let k = 0; k < trials; k++) {
      // A jump at a random 10-second instant of the evaluation month; checks keep their phase.
      const at = evalStart + rng.int((EVAL_DAYS - 1) * 8640) * SUB_MS;
      const extra = jumpTraffic(rng, shape, at, multiple, 61);
      const ps = [0, ...WHAT_IF_RATIOS].map(() => new Pager());
      const latency = ps.map(() => Number.POSITIVE_INFINITY);
      let first = Math.ceil((at - phase) / checkMs) * checkMs + phase;
      if (first === at) first += checkMs;
      for (let t = first; t <= at + 60 * MINUTE_MS && latency.some((l) => !Number.isFinite(l)); t += checkMs) {
        const present = check(sim, traffic, minutes, t, extra);
        ps.forEach((p, i) => {
          if (p.step(t, present[i]!) && !Number.isFinite(latency[i]!)) latency[i] = t - at;
        });
      }
      out.push({ callsPerMinute: rate((at - START) / SUB_MS) * SUBS, latencyMs: latency[0]!, whatIf: latency.slice(1) });
    }
    jumps.set(multiple, out);
  }
  return { shape, falsePages: pagers[0]!.pages, whatIfPages: pagers.slice(1).map((p) => p.pages), jumps };
}

/** `--name=N` (bench/index.ts takes every bare word for a benchmark's name). */
const arg = (args: string[], name: string, dflt: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const share = (xs: number[], ms: number) => `${((100 * xs.filter((x) => x <= ms).length) / xs.length).toFixed(0)}%`;
const secs = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(0)}s` : "never");

function printLatency(label: string, jumps: Jump[]): void {
  const xs = jumps.map((j) => j.latencyMs);
  if (xs.length === 0) return;
  const q = (p: number) => secs(quantile(xs, p));
  console.log(
    `  ${label.padEnd(34)} p50 ${q(0.5)}, p90 ${q(0.9)}, p99 ${q(0.99)}; ` +
      `paged ≤2 min ${share(xs, 120_000)}, ≤10 min ${share(xs, 600_000)}, ≤60 min ${share(xs, 3_600_000)} (${xs.length} jumps)`,
  );
}

export async function run(args: string[]): Promise<void> {
  const agents = arg(args, "agents", 24);
  const trials = arg(args, "trials", 20);
  const seed = arg(args, "seed", 15);
  const sim = setting(arg(args, "false-alarms", 1), arg(args, "min-ratio", 2.5), arg(args, "delay", 10) * 1000);
  const { policy, checkMs, delayMs } = sim;
  const began = performance.now();
  const results: AgentResult[] = [];
  for (let a = 0; a < agents; a++) results.push(simulateAgent(sim, seed * 1_000 + a, trials));
  const pages = results.reduce((s, r) => s + r.falsePages, 0);
  console.log(
    `production spend: ${agents} agents (0.5–100 calls/min, peak/trough 2.7–20×, weekends 0.3–1.3×, ~4 benign 1.2–1.8× bursts a day), ` +
      `checked every ${checkMs / 1000}s, ${delayMs / 1000}s ingest delay, z ≥ ${policy.threshold.toFixed(2)} and ≥ ${policy.minRatio}×, seed ${seed}`,
  );
  const worst = Math.max(...results.map((r) => r.falsePages));
  console.log(
    `  false pages: ${pages} in ${agents * EVAL_DAYS} agent-days = ${(pages / agents).toFixed(2)} per agent per 30 days ` +
      `(target ≤ 1; worst agent ${worst})`,
  );
  // Bands by how busy the agent was when the jump began: counting noise decides how fast it can show.
  const bands: [string, (j: Jump) => boolean][] = [
    ["all", () => true],
    ["≥ 50 calls/min at the jump", (j) => j.callsPerMinute >= 50],
    ["20–50 calls/min", (j) => j.callsPerMinute >= 20 && j.callsPerMinute < 50],
    ["10–20 calls/min", (j) => j.callsPerMinute >= 10 && j.callsPerMinute < 20],
    ["5–10 calls/min", (j) => j.callsPerMinute >= 5 && j.callsPerMinute < 10],
    ["1–5 calls/min", (j) => j.callsPerMinute >= 1 && j.callsPerMinute < 5],
    ["< 1 call/min", (j) => j.callsPerMinute < 1],
  ];
  for (const multiple of [5, 3, 2]) {
    console.log(`  ${multiple}× jump, ingest-to-page latency:`);
    const all = results.flatMap((r) => r.jumps.get(multiple)!);
    for (const [label, keep] of bands) printLatency(`  ${label}`, all.filter(keep));
  }
  // What a different min_ratio would trade: false pages against the 5× latency of busy agents.
  const busy = results.flatMap((r) => r.jumps.get(5)!).filter((j) => j.callsPerMinute >= 20);
  WHAT_IF_RATIOS.forEach((r, i) => {
    const fp = results.reduce((s, x) => s + x.whatIfPages[i]!, 0);
    const xs = busy.map((j) => j.whatIf[i]!);
    console.log(
      `  what if min_ratio ${r}: ${(fp / agents).toFixed(2)} false pages per agent per 30 days; ` +
        `5× at ≥ 20 calls/min: p50 ${secs(quantile(xs, 0.5))}, paged ≤2 min ${share(xs, 120_000)}`,
    );
  });
  console.log(`  (${((performance.now() - began) / 1000).toFixed(1)}s)`);
}
