import { ms, pValue, times, usd } from "../gate/format.ts";
import type { ShadowResult } from "./run-shadow.ts";

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : "—");
const span = (lo: number, hi: number) => (Number.isFinite(lo) && Number.isFinite(hi) ? `[${pct(lo)}, ${pct(hi)}]` : "[—]");
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const chars = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(Math.round(x))} chars` : "—");

/** A shadow run's report as readable terminal text. */
export function formatShadow(r: ShadowResult): string {
  const s = r.summary;
  const d = s.decision;
  const c = r.cost;
  const lines: string[] = [];
  lines.push(`shadow ${r.job}: candidate ${r.candidate} vs incumbent ${r.incumbent} (run ${r.runId})`);
  lines.push(
    `  ${r.inputs} sampled inputs × ${r.repeats} repeat${r.repeats === 1 ? "" : "s"}: ${s.pairs} pairs, each judged in both orders; ${s.judgeErrors} judge errors, ${s.forfeits} forfeits (one agent gave no reply), ${s.bothFailed} with no reply from either`,
  );
  if (r.status === "budget_exhausted") lines.push("  the run budget ran out: the figures cover the pairs judged before it did");
  lines.push("");
  lines.push(
    `win rate   ${pct(s.winRate.estimate)}, 95% interval ${span(s.winRate.low, s.winRate.high)} (ties count ½; t over ${s.winRate.clusters} inputs${s.winRate.floored ? ", spread floored" : ""})`,
  );
  lines.push(
    `verdicts   ${plural(s.wins, "win")}, ${plural(s.losses, "loss", "losses")}, ${plural(s.ties, "tie")} (${s.flips} from a verdict that flipped with the order)`,
  );
  lines.push(`ties       ${pct(s.tieRate)} of judged pairs; swap consistency ${pct(s.swapConsistency)} (same verdict in both orders)`);
  const lc = s.lengthControlled;
  lines.push(
    `length     candidate − incumbent ${chars(s.lengthDifference.estimate)} per reply; length-controlled win rate ${pct(lc.winRate)} ${span(lc.low, lc.high)}, ${Number.isFinite(lc.slopePer100) ? `${lc.slopePer100.toFixed(2)} log-odds per 100 chars` : "—"}`,
  );
  lines.push(
    `cost       ${usd(c.candidateCostPerCase)} per reply vs ${usd(c.incumbentCostPerCase)} (${times(c.costRatio)})${c.costDifference ? `, paired by input ${usd(c.costDifference.estimate)} [${usd(c.costDifference.low)}, ${usd(c.costDifference.high)}]` : ""}`,
  );
  lines.push(
    `latency    p95 ${ms(c.candidateP95Ms)} vs ${ms(c.incumbentP95Ms)} (${times(c.latencyRatio)}); P(candidate reply slower) ${pct(c.candidateSlowerProbability)}`,
  );
  const j = r.spend.judge;
  lines.push(
    `spend      agents ${usd(r.spend.candidateUsd)} (candidate) + ${usd(r.spend.incumbentUsd)} (incumbent); judge ${usd(j.costUsd)} apart (${j.model}, ${j.requests} requests, ${j.cacheHits} cached)`,
  );
  lines.push(
    `margin     win rate ½ − ${pct(d.margin)} = ${pct(d.threshold)}; one-sided α = ${d.alpha}, bounds ${span(d.lower, d.upper)}; p = ${pValue(d.pValue)} for "worse by the margin or more"`,
  );
  lines.push("");
  lines.push(`${d.decision.toUpperCase()}: ${d.reason}`);
  return lines.join("\n");
}
