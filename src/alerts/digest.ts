import { binomialTable, tableCdf } from "../stats/discrete.ts";
import type { CostChange, FailingCase } from "./notification.ts";

const BARS = "▁▂▃▄▅▆▇█";

/**
 * A text sparkline, oldest first; `·` for a run without a score. Scaled to the values' range, but
 * never narrower than `minSpan`, so noise of a point or two does not look like a cliff.
 */
export function sparkline(values: readonly (number | null)[], minSpan = 0.1): string {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return values.map(() => "·").join("");
  const hi = Math.max(...xs);
  const lo = Math.min(Math.min(...xs), hi - minSpan);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return "·";
      const i = Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1));
      return BARS[Math.min(BARS.length - 1, Math.max(0, i))];
    })
    .join("");
}

/** Per-case counts as stored in `runs.case_stats`. */
export interface CaseStat {
  id: string;
  passes: number;
  scored: number;
  errors?: number;
}

/** Sums per-case passes and scored trials over several runs. */
export function combineCases(runs: readonly (readonly CaseStat[])[]): Map<string, { passes: number; scored: number }> {
  const out = new Map<string, { passes: number; scored: number }>();
  for (const cases of runs) {
    for (const c of cases) {
      const acc = out.get(c.id) ?? { passes: 0, scored: 0 };
      acc.passes += Number(c.passes) || 0;
      acc.scored += Number(c.scored) || 0;
      out.set(c.id, acc);
    }
  }
  return out;
}

/** Cases that lost trials this run (failed or errored), worst first. */
export function failingCases(
  now: readonly CaseStat[],
  baseline: Map<string, { passes: number; scored: number }>,
  limit = 5,
): FailingCase[] {
  const rate = (c: CaseStat) => (c.scored > 0 ? c.passes / c.scored : 0);
  return now
    .filter((c) => c.passes < c.scored || (c.errors ?? 0) > 0)
    .sort((a, b) => rate(a) - rate(b) || (b.errors ?? 0) - (a.errors ?? 0) || a.id.localeCompare(b.id))
    .slice(0, limit)
    .map((c) => {
      const b = baseline.get(c.id);
      return {
        id: c.id,
        passes: c.passes,
        scored: c.scored,
        errors: c.errors ?? 0,
        baselineRate: b && b.scored > 0 ? b.passes / b.scored : null,
      };
    });
}

/**
 * The case whose mean cost per trial moved most (in dollars) against its baseline; null when no
 * case moved by at least half a percent (a "×1.00" change is rounding noise of averaged costs,
 * not news).
 */
export function topCostChange(now: Map<string, number>, baseline: Map<string, number>): CostChange | null {
  let best: CostChange | null = null;
  for (const [caseId, nowUsd] of now) {
    const baselineUsd = baseline.get(caseId);
    if (baselineUsd === undefined) continue;
    if (!best || Math.abs(nowUsd - baselineUsd) > Math.abs(best.nowUsd - best.baselineUsd)) best = { caseId, nowUsd, baselineUsd };
  }
  return best && costMoved(best) ? best : null;
}

/** A cost change worth a line: the ratio does not round to ×1.00 (from zero, any rise). */
export function costMoved(c: CostChange): boolean {
  if (c.baselineUsd > 0) return Math.abs(c.nowUsd / c.baselineUsd - 1) >= 0.005;
  return c.nowUsd > 0;
}

/**
 * Whether a case of a resolving run is still failing, not noise around a recovered rate: it passed
 * no trial, or so few that its baseline rate makes that unlikely (one-sided binomial tail below
 * 5%). A case at 4/5 against a 98% baseline (tail 9.6%) is not listed; 0/5 or 2/5 is.
 */
export function stillFailing(c: FailingCase): boolean {
  if (c.scored <= 0) return c.errors > 0;
  if (c.passes === 0) return true;
  if (c.baselineRate === null) return false;
  return tableCdf(binomialTable(c.scored, c.baselineRate), c.passes) < 0.05;
}
