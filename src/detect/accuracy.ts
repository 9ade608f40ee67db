// The paired comparison every accuracy detector starts from: this run's per-case pass rates
// against the same cases' rates over the baseline, standardised by the in-control spread.
import { madScaled } from "../stats/robust.ts";
import type { CaseStat, RunPoint } from "./types.ts";

/** Passes and scored trials of one case summed over runs. */
export interface CaseTotals {
  passes: number;
  scored: number;
}

/** Sums each case's passes and scored trials over runs. */
export function caseTotals(runs: readonly RunPoint[]): Map<string, CaseTotals> {
  const out = new Map<string, CaseTotals>();
  for (const run of runs) {
    for (const c of run.cases) {
      const t = out.get(c.id) ?? { passes: 0, scored: 0 };
      t.passes += c.passes;
      t.scored += c.scored;
      out.set(c.id, t);
    }
  }
  return out;
}

/** One case's change against the baseline. */
export interface CaseChange {
  id: string;
  baseline: number;
  now: number;
  change: number;
  passes: number;
  scored: number;
}

/** This run against the baseline, paired by case. */
export interface AccuracyComparison {
  /** Cases scored both now and in the baseline. */
  cases: number;
  /** Mean over those cases of (rate now − baseline rate); negative is worse. */
  drop: number;
  /** Mean pass rate of those cases now and in the baseline. */
  now: number;
  baseline: number;
  /** Standard deviation of `drop` when nothing changed: binomial model, empirical (robust), and the one used (the larger). */
  sigmaModel: number;
  sigmaEmpirical: number | null;
  sigma: number;
  z: number;
  /** Skewness of `drop` under the binomial model (negative for high pass rates: failures are the rare side). */
  skew: number;
  /** τ²: the share of the binomial model's Var(drop) that comes from the baseline (it shifts every z alike; see cusum-design.ts). */
  baselineShare: number;
  /** The cases that fell most, worst first (at most five). */
  worst: CaseChange[];
}

// A case's rate, shrunk half a trial towards ½ (Jeffreys), so a case that passed every baseline
// trial still has a variance: "never failed in 240 trials" is not "cannot fail".
const shrunk = (passes: number, scored: number) => (passes + 0.5) / (scored + 1);

/**
 * Paired-by-case drop d = mean(p̂ᵢ − p̄ᵢ) and its standardisation z = d/σ. The in-control σ is
 * the larger of (a) the binomial model's, Var(d) = Σᵢ vᵢ(1/nᵢ + 1/mᵢ)/K² with vᵢ = p̄ᵢ(1 − p̄ᵢ)
 * (nᵢ, mᵢ: scored trials now and in the baseline), and (b) once the baseline has
 * `minEmpiricalRuns` runs, the robust spread (scaled MAD) of the same statistic computed for each
 * baseline run against the others (leave-one-out). (b) is the "in-control spread" of the DESIGN:
 * it absorbs whatever makes real runs vary more than coin flips (a provider's bad hour, a
 * nondeterministic tool), and being a MAD, one bad baseline run cannot inflate it.
 * Undefined (null) when no case is scored both now and in the baseline.
 */
export function compareAccuracy(current: RunPoint, baseline: readonly RunPoint[], minEmpiricalRuns: number): AccuracyComparison | null {
  const totals = caseTotals(baseline);
  const changes: CaseChange[] = [];
  let runPart = 0;
  let basePart = 0;
  let third = 0;
  for (const c of current.cases) {
    const b = totals.get(c.id);
    if (!b || c.scored === 0 || b.scored === 0) continue;
    const base = b.passes / b.scored;
    const now = c.passes / c.scored;
    const p = shrunk(b.passes, b.scored);
    runPart += (p * (1 - p)) / c.scored;
    basePart += (p * (1 - p)) / b.scored;
    // Third cumulant of a binomial rate X/n is p(1 − p)(1 − 2p)/n²; d adds the run's and subtracts the baseline's.
    third += p * (1 - p) * (1 - 2 * p) * (1 / c.scored ** 2 - 1 / b.scored ** 2);
    changes.push({ id: c.id, baseline: base, now, change: now - base, passes: c.passes, scored: c.scored });
  }
  const k = changes.length;
  if (k === 0) return null;
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const drop = mean(changes.map((c) => c.change));
  const sigmaModel = Math.sqrt(runPart + basePart) / k;
  const sigmaEmpirical = baseline.length >= minEmpiricalRuns ? leaveOneOutSpread(baseline, totals) : null;
  const sigma = Math.max(sigmaModel, sigmaEmpirical ?? 0);
  return {
    cases: k,
    drop,
    now: mean(changes.map((c) => c.now)),
    baseline: mean(changes.map((c) => c.baseline)),
    sigmaModel,
    sigmaEmpirical,
    sigma,
    z: sigma > 0 ? drop / sigma : 0,
    // γ = κ₃/κ₂^1.5; the 1/K factors of the mean cancel.
    skew: runPart + basePart > 0 ? third / (runPart + basePart) ** 1.5 : 0,
    baselineShare: runPart + basePart > 0 ? basePart / (runPart + basePart) : 0,
    worst: changes
      .filter((c) => c.change < 0)
      .sort((a, b) => a.change - b.change)
      .slice(0, 5),
  };
}

/** Scaled MAD of each baseline run's paired drop against the rest of the baseline. */
function leaveOneOutSpread(baseline: readonly RunPoint[], totals: Map<string, CaseTotals>): number | null {
  const drops: number[] = [];
  for (const run of baseline) {
    let sum = 0;
    let k = 0;
    for (const c of run.cases as CaseStat[]) {
      const t = totals.get(c.id);
      if (!t || c.scored === 0) continue;
      const restScored = t.scored - c.scored;
      if (restScored <= 0) continue;
      sum += c.passes / c.scored - (t.passes - c.passes) / restScored;
      k++;
    }
    if (k > 0) drops.push(sum / k);
  }
  return drops.length >= 2 ? madScaled(drops) : null;
}
