import type { GateResult } from "./run-gate.ts";

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "—");
const pts = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}` : "—");
const usd = (x: number) => (Number.isFinite(x) ? `$${x < 0.01 ? x.toPrecision(3) : x.toFixed(4)}` : "—");
const ms = (x: number | null) => (x === null ? "—" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const times = (x: number) => (Number.isFinite(x) ? `×${x.toFixed(2)}` : "—");

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
  lines.push(
    `difference ${pts(v.difference)} points, ${Math.round(v.interval.level * 100)}% interval [${pts(v.interval.low)}, ${pts(v.interval.high)}]  (${v.method === "paired-t" ? `paired t over cases; non-inferiority p = ${v.pValue.toPrecision(2)}` : `Newcombe paired interval, McNemar mid-p = ${v.pValue.toPrecision(2)}`})`,
  );
  lines.push(`margin     −${(v.margin * 100).toFixed(1)} points`);
  lines.push(
    `cost       ${usd(c.candidateCostPerCase)} per case vs ${usd(c.incumbentCostPerCase)} (${times(c.costRatio)})${c.costDifference ? `, paired difference ${usd(c.costDifference.estimate)} [${usd(c.costDifference.low)}, ${usd(c.costDifference.high)}]` : ""}`,
  );
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
