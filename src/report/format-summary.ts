import { repeatsForDrop, type DesignPower, type RunSummary } from "../engine/summary.ts";

const pct = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? "—" : `${(x * 100).toFixed(1)}%`);
const ms = (x: number | null) => (x === null ? "—" : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const usd = (x: number) => `$${x < 0.01 && x > 0 ? x.toFixed(5) : x.toFixed(4)}`;

/**
 * What an accuracy interval is an interval for. The t over case pass rates treats the cases as a
 * sample (its spread includes how much cases differ): accuracy on cases like these. Wilson on the
 * pooled rate treats trials as independent draws, which for these fixed cases overstates the
 * variance (Σp(1 − p)/K²N ≤ p̄(1 − p̄)/KN), so it covers this golden set's accuracy.
 */
export const COVERS = {
  casesRandom: { what: "accuracy on cases like these", how: "cases and repeats random" },
  casesFixed: { what: "accuracy on this golden set", how: "cases fixed, repeats random" },
} as const;

/** Why a run's cost reads $0 and what that blinds, with the fix; for summaries and the gate. */
export function costWarning(s: Pick<RunSummary, "costUnknown" | "agent" | "model">): string {
  const blind = "spend alerts and USD budgets see $0";
  if (s.costUnknown === "no-usage")
    return `agent ${s.agent} reported no token usage, so its cost is unknown and ${blind}: for an http agent, map response.input_tokens and output_tokens`;
  return `no price for ${s.model ? `model "${s.model}"` : "the model"} of agent ${s.agent}, so its cost is unknown and ${blind}: set agents.${s.agent}.pricing or add the model to the config's pricing: map`;
}

/** The drop a run summary states the repeats for, unless `--detect` asks for another. */
export const DEFAULT_DETECT = 0.05;

/** α as "1/800" when small, else as a percentage. */
const level = (alpha: number) => (alpha < 0.01 ? `1/${Math.round(1 / alpha).toLocaleString("en-US")}` : `${(alpha * 100).toFixed(0)}%`);

/**
 * "pages a drop of ≥ X points 80% of the time …; a 5-point drop needs N repeats" for a design
 * stated at the threshold that pages, or the textbook "smallest detectable drop" (two runs, 5%
 * two-sided) when the run has no paging policy (a gate's arms, say).
 */
export function formatPower(p: DesignPower, detect = DEFAULT_DETECT): string {
  const need = repeatsForDrop(p, detect);
  const needText = Number.isFinite(need) ? `${need} repeat${need === 1 ? "" : "s"} per case` : "more cases (repeats alone cannot)";
  const mde = (p.minimumDetectableDrop * 100).toFixed(1);
  const power = `${(p.power * 100).toFixed(0)}%`;
  if (p.baselineRuns !== null)
    return `pages a drop of ≥ ${mde} points ${power} of the time on its first run (${p.cases} cases × ${p.repeats} repeats against a ${p.baselineRuns}-run baseline, one-sided α = ${level(p.alpha)}, the sudden-drop test's level); to page a ${(detect * 100).toFixed(1)}-point drop as often takes ${needText}`;
  return `smallest detectable drop ${mde} points (${p.cases} cases × ${p.repeats} repeats, two runs paired, 5% two-sided, ${power} power); a ${(detect * 100).toFixed(1)}-point drop needs ${needText}`;
}

/** A run summary as readable terminal text; `detect` is the drop to state the repeats for. */
export function formatSummary(s: RunSummary, opts: { detect?: number } = {}): string {
  const lines: string[] = [];
  const a = s.accuracy;
  lines.push(`run ${s.runId}  job ${s.job}  agent ${s.agent}  ${s.status}`);
  lines.push(
    `golden set ${s.goldenName} (${s.goldenHash.slice(0, 12)})  ${s.cases} cases × ${s.repeats} repeats = ${s.trials} trials in ${(s.durationMs / 1000).toFixed(1)} s`,
  );
  lines.push("");
  if (a) {
    const cases = s.perCase.filter((c) => c.scored > 0).length;
    const covers =
      a.method === "t-cases"
        ? `${COVERS.casesRandom.what} (${COVERS.casesRandom.how}; t over ${cases} case pass rates)`
        : `${COVERS.casesFixed.what} (${COVERS.casesFixed.how}; Wilson on the pooled rate)`;
    lines.push(`accuracy   ${pct(a.estimate)}  95% CI [${pct(a.low)}, ${pct(a.high)}] for ${covers}`);
    if (a.method === "t-cases")
      lines.push(
        `           pooled ${s.passed}/${s.scored}, Wilson [${pct(a.pooled.low)}, ${pct(a.pooled.high)}] for ${COVERS.casesFixed.what} (${COVERS.casesFixed.how})`,
      );
  } else {
    lines.push("accuracy   — (no trial could be scored)");
  }
  lines.push(
    `errors     ${s.errored} agent errors (${pct(s.errorRate)})${s.budgetExceeded ? `, ${s.budgetExceeded} over budget` : ""}${s.judgeErrors ? `, ${s.judgeErrors} judge errors` : ""}`,
  );
  lines.push(`latency    p50 ${ms(s.latency.p50Ms)}  p95 ${ms(s.latency.p95Ms)}`);
  lines.push(
    `tokens     ${s.tokens.input.toLocaleString("en-US")} in, ${s.tokens.output.toLocaleString("en-US")} out   ${s.costUnknown ? "cost unknown (counted as $0)" : `cost ${usd(s.costUsd)} (${usd(s.cases ? s.costUsd / s.cases : 0)} per case)`}`,
  );
  if (s.costUnknown) lines.push(`warning    ${costWarning(s)}`);
  if (s.runBudget)
    lines.push(
      `budget     run ${usd(s.runBudget.usd)} ${s.runBudget.source === "baseline" ? `(no budget.run: ${s.runBudget.basis})` : "(budget.run.usd)"}`,
    );
  if (s.power) lines.push(`power      ${formatPower(s.power, opts.detect)}`);
  if (s.model) lines.push(`model      ${s.model}${s.fingerprint ? ` (${s.fingerprint})` : ""}`);
  if (s.error) lines.push(`note       ${s.error}`);
  lines.push("");
  const width = Math.max(4, ...s.perCase.map((c) => c.id.length));
  lines.push(`${"case".padEnd(width)}  pass rate   passed/scored  errors`);
  for (const c of s.perCase) {
    const mark = c.rate === null ? "?" : c.rate === 1 ? " " : c.rate === 0 ? "✗" : "~";
    lines.push(
      `${c.id.padEnd(width)}  ${pct(c.rate).padStart(7)} ${mark}  ${`${c.passes}/${c.scored}`.padStart(13)}  ${String(c.errors).padStart(6)}`,
    );
  }
  return lines.join("\n");
}
