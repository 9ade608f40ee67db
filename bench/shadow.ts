// `npm run bench -- shadow [--reps=N]`: the shadow statistics against a simulation with a known
// true preference (bench/shadow-sim.ts). Prints (1) how often the 95% interval clustered by input
// covers the true win rate, (2) how often a candidate exactly at the non-inferiority margin is
// failed — and passed — (each must be at most α), (3) power: how often an equal candidate passes,
// by sample size, and (4) that a length-biased judge's preference shows in the raw win rate and
// not in the length-controlled one.
import { createRng } from "../src/stats/rng.ts";
import { summarizePairs } from "../src/stats/pairwise.ts";
import { meanScore, simulateRun, thetaFor, trueWinRate, type SimModel } from "./shadow-sim.ts";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** `--reps=N` (bench/index.ts takes every word without a dash for a benchmark's name). */
function repsFrom(args: string[]): number {
  const given = args.find((a) => a.startsWith("--reps="));
  const n = given ? Number(given.slice("--reps=".length)) : 4000;
  return Number.isInteger(n) && n > 0 ? n : 4000;
}

/** Monte Carlo standard error of a rate from `reps` runs, for reading the figures. */
const mcSe = (p: number, reps: number) => Math.sqrt((p * (1 - p)) / reps);

export async function run(args: string[]): Promise<void> {
  const reps = repsFrom(args);
  const margin = 0.05;
  const alpha = 0.05;
  console.log(`${reps} simulated runs per row; margin ${margin}, one-sided α = ${alpha}; Monte Carlo ±2 SE shown for rates`);

  console.log("\n1. coverage of the 95% interval (t over per-input means, arcsine-square-root scale) for the true win rate");
  console.log("   inputs × repeats   tie   pos.bias   τ     true W    mean Ŵ    coverage");
  const rows: [number, number, SimModel][] = [
    [10, 1, { theta: 0.4, tau: 1, tie: 0.2, bias: 0 }],
    [20, 3, { theta: 0.4, tau: 1, tie: 0.2, bias: 0.3 }],
    [50, 1, { theta: -0.3, tau: 0.5, tie: 0.3, bias: 0.1 }],
    [50, 5, { theta: 0, tau: 1.5, tie: 0.1, bias: 0.5 }],
    [200, 2, { theta: 1, tau: 1, tie: 0.2, bias: 0.2 }],
  ];
  let seed = 1;
  for (const [k, r, m] of rows) {
    const truth = trueWinRate(m);
    const rng = createRng(seed++);
    let covered = 0;
    let sum = 0;
    for (let i = 0; i < reps; i++) {
      const s = summarizePairs(simulateRun(rng, m, k, r), { margin, alpha });
      sum += s.winRate.estimate;
      if (s.winRate.low <= truth && truth <= s.winRate.high) covered++;
    }
    const c = covered / reps;
    console.log(
      `   ${String(k).padStart(4)} × ${r}           ${m.tie.toFixed(1)}   ${m.bias.toFixed(1)}        ${m.tau.toFixed(1)}   ${truth.toFixed(4)}    ${(sum / reps).toFixed(4)}    ${pct(c)} ± ${pct(2 * mcSe(c, reps))}`,
    );
  }

  // Four times the runs here: these rates are compared with α itself, so their Monte Carlo error must be small.
  const marginReps = 4 * reps;
  console.log(
    `\n2. a candidate exactly at the margin (true W = ${0.5 - margin}): false-fail and false-pass rates (each ≤ α = ${alpha}); ${marginReps} runs per row`,
  );
  console.log("   inputs × repeats   P(fail)            P(pass)            P(inconclusive)");
  const base = { tau: 1, tie: 0.2, bias: 0.2 };
  const theta = thetaFor(0.5 - margin, base);
  for (const [k, r] of [
    [20, 1],
    [50, 1],
    [50, 3],
    [200, 1],
    [400, 2],
  ] as const) {
    const rng = createRng(seed++);
    const n = { pass: 0, fail: 0, inconclusive: 0 };
    for (let i = 0; i < marginReps; i++)
      n[summarizePairs(simulateRun(rng, { ...base, theta }, k, r), { margin, alpha }).decision.decision]++;
    const [f, p] = [n.fail / marginReps, n.pass / marginReps];
    console.log(
      `   ${String(k).padStart(4)} × ${r}           ${pct(f).padStart(5)} ± ${pct(2 * mcSe(f, marginReps))}    ${pct(p).padStart(5)} ± ${pct(2 * mcSe(p, marginReps))}    ${pct(n.inconclusive / marginReps)}`,
    );
  }

  console.log(
    `\n3. power: P(pass) for a candidate as good as the incumbent (true W = 0.5) and a slightly better one (W = 0.55), by sample size`,
  );
  console.log("   inputs (1 repeat)   W = 0.50    W = 0.55    P(fail) at W = 0.50");
  const equal = thetaFor(0.5, base);
  const better = thetaFor(0.55, base);
  for (const k of [10, 20, 50, 100, 200, 400, 800]) {
    const rng = createRng(seed++);
    let passEq = 0;
    let passBetter = 0;
    let failEq = 0;
    for (let i = 0; i < reps; i++) {
      const d = summarizePairs(simulateRun(rng, { ...base, theta: equal }, k, 1), { margin, alpha }).decision.decision;
      if (d === "pass") passEq++;
      if (d === "fail") failEq++;
      if (summarizePairs(simulateRun(rng, { ...base, theta: better }, k, 1), { margin, alpha }).decision.decision === "pass") passBetter++;
    }
    console.log(
      `   ${String(k).padStart(5)}              ${pct(passEq / reps).padStart(6)}      ${pct(passBetter / reps).padStart(6)}      ${pct(failEq / reps)}`,
    );
  }

  console.log(
    "\n4. a length-biased judge (breaks true ties toward the longer reply, 1.5 log-odds per 100 chars); candidate longer by 80 ± 60 chars; no true preference",
  );
  const lengthModel: SimModel = { theta: 0, tau: 0.5, tie: 0.4, bias: 0.1 };
  const rng = createRng(seed++);
  let raw = 0;
  let lc = 0;
  let lcCovers = 0;
  const lengthReps = Math.min(reps, 1000);
  for (let i = 0; i < lengthReps; i++) {
    const pairs = simulateRun(rng, lengthModel, 100, 1, { meanDelta: 80, sdDelta: 60, lambda: 1.5 });
    const s = summarizePairs(pairs, { margin, alpha });
    raw += s.winRate.estimate;
    lc += s.lengthControlled.winRate;
    if (s.lengthControlled.low <= 0.5 && 0.5 <= s.lengthControlled.high) lcCovers++;
  }
  console.log(
    `   100 inputs: mean raw win rate ${pct(raw / lengthReps)}; mean length-controlled ${pct(lc / lengthReps)} (truth at equal length: 50.0%); its 95% interval covers 50% in ${pct(lcCovers / lengthReps)} of ${lengthReps} runs`,
  );

  const check = simulateRun(createRng(99), { theta: 0.4, tau: 1, tie: 0.2, bias: 0.3 }, 200_000, 1);
  console.log(
    `\nmodel check: Monte Carlo mean score over 200,000 inputs (±0.002) ${meanScore(check).toFixed(4)} vs analytic ${trueWinRate({ theta: 0.4, tau: 1, tie: 0.2, bias: 0.3 }).toFixed(4)}`,
  );
}
