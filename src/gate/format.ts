import { costWarning } from "../report/format-summary.ts";
import type { GateResult } from "./run-gate.ts";

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "—");
const pts = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}` : "—");
/** `$0.0123`, `$0.00333`, `−$0.0000124`: three significant digits below a cent, never an exponent, the sign before the $. */
export function usd(x: number): string {
  if (!Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  const digits = a >= 0.01 || a === 0 ? a.toFixed(4) : Number(a.toPrecision(3)).toFixed(Math.min(20, 2 - Math.floor(Math.log10(a))));
  return `${x < 0 ? "−" : ""}$${digits}`;
}
export const ms = (x: number | null) => (x === null ? "—" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
export const times = (x: number) => (Number.isFinite(x) ? `×${x.toFixed(2)}` : "—");
/** Two significant digits, or "< 0.0001" rather than 4.8e-23. */
export const pValue = (p: number) =>
  !Number.isFinite(p) ? "—" : p < 1e-4 ? "< 0.0001" : p >= 1 ? "1" : p > 1 - 1e-4 ? "> 0.9999" : p.toPrecision(2);

/** The gate's verdict as readable terminal text. */
export function formatGate(r: GateResult): string {
  const v = r.verdict;
  const c = r.cost;
  const lines: string[] = [];
  lines.push(`gate ${r.job}: candidate ${r.candidate.agent} vs incumbent ${r.incumbent.agent}`);
  lines.push(
    `  ${v.cases} cases × ${v.repeats} repeats each, interleaved; runs ${r.incumbent.runId} (incumbent), ${r.candidate.runId} (candidate)`,
  );
  lines.push("");
  lines.push(`accuracy   incumbent ${pct(v.incumbentAccuracy)}   candidate ${pct(v.candidateAccuracy)}`);
  const level = Math.round(v.interval.level * 100);
  lines.push(
    `difference ${pts(v.difference)} points, ${level}% interval [${pts(v.interval.low)}, ${pts(v.interval.high)}] for candidate − incumbent on cases like these (paired by case; cases and repeats random)`,
  );
  const how =
    v.method === "paired-t"
      ? `paired t over cases${v.varianceFloor ? "; the cases moved alike, so the binomial model's spread sets the interval" : ""}`
      : `one repeat per case: Newcombe's paired interval${v.mcnemarMidP !== undefined ? `; McNemar mid-p for any difference = ${pValue(v.mcnemarMidP)}` : ""}`;
  lines.push(`           ${how}`);
  lines.push(
    `margin     −${(v.margin * 100).toFixed(1)} points; p = ${pValue(v.pValue)} for "worse by the margin or more" (pass below ${v.alpha}, fail above ${1 - v.alpha})`,
  );
  const unpriced = [r.candidate, r.incumbent].filter((s) => s.costUnknown);
  lines.push(
    unpriced.length > 0
      ? `cost       unknown for ${unpriced.map((s) => s.agent).join(" and ")} (counted as $0): no comparison`
      : `cost       ${usd(c.candidateCostPerCase)} per trial vs ${usd(c.incumbentCostPerCase)} (${times(c.costRatio)})${c.costDifference ? `, paired difference ${usd(c.costDifference.estimate)} [${usd(c.costDifference.low)}, ${usd(c.costDifference.high)}]` : ""}`,
  );
  for (const s of unpriced) lines.push(`warning    ${costWarning(s)}`);
  lines.push(
    `latency    p95 ${ms(c.candidateP95Ms)} vs ${ms(c.incumbentP95Ms)} (${times(c.latencyRatio)}); P(candidate trial slower) ${pct(c.candidateSlowerProbability)}, Mann–Whitney p = ${Number.isFinite(c.latencyP) ? c.latencyP.toPrecision(2) : "—"}`,
  );
  lines.push("");
  const head = v.decision === "pass" ? "PASS" : v.decision === "fail" ? "FAIL" : "INCONCLUSIVE";
  lines.push(`${head}: ${v.reason}`);
  if (v.decision === "inconclusive") {
    lines.push(
      v.repeatsToDecide
        ? `  about ${v.repeatsToDecide} repeats per case (now ${v.repeats}) would likely decide it: goldwatch gate ${r.job} --candidate ${r.candidate.agent} --repeats ${v.repeatsToDecide}`
        : "  more repeats would not decide it: the difference sits at the margin or varies from case to case; add cases",
    );
  }
  return lines.join("\n");
}
