import { costWarning } from "../report/format-summary.ts";
import { ms, pValue, times, usd } from "./format.ts";
import type { GateResult } from "./run-gate.ts";

/** Mean cost per trial (one answer to one case) of both agents, rounded, or why it is unknown (never a comparison against a silent $0). */
function costText(r: GateResult): string {
  const unpriced = [r.candidate, r.incumbent].filter((s) => s.costUnknown);
  if (unpriced.length > 0) return unpriced.map((s) => costWarning(s)).join("\n");
  const c = r.cost;
  return `candidate ${usd(c.candidateCostPerCase)} vs incumbent ${usd(c.incumbentCostPerCase)} per trial (${times(c.costRatio)})`;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);

/**
 * The gate as a JUnit XML report, which CI systems display without plugins: one test case for
 * the accuracy verdict (a failure when the candidate is worse, skipped when undecided), and one
 * informational case each for cost and latency (they never fail the gate).
 */
export function gateJunit(r: GateResult, details: string): string {
  const v = r.verdict;
  const seconds = (s: { durationMs: number }) => (s.durationMs / 1000).toFixed(3);
  const cls = `goldwatch.gate.${r.job}`;
  const verdictBody =
    v.decision === "fail"
      ? `<failure type="fail" message="${escape(v.reason)}">${escape(details)}</failure>`
      : v.decision === "inconclusive"
        ? `<skipped message="${escape(`inconclusive: ${v.reason}`)}"/><system-out>${escape(details)}</system-out>`
        : `<system-out>${escape(details)}</system-out>`;
  const c = r.cost;
  const info = (name: string, text: string) =>
    `    <testcase classname="${escape(cls)}" name="${escape(name)}" time="0"><system-out>${escape(text)}</system-out></testcase>`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="goldwatch gate" tests="3" failures="${v.decision === "fail" ? 1 : 0}" skipped="${v.decision === "inconclusive" ? 1 : 0}">`,
    `  <testsuite name="${escape(`gate ${r.job}: ${r.candidate.agent} vs ${r.incumbent.agent}`)}" tests="3" failures="${v.decision === "fail" ? 1 : 0}" errors="0" skipped="${v.decision === "inconclusive" ? 1 : 0}" time="${seconds(r.candidate)}">`,
    `    <testcase classname="${escape(cls)}" name="${escape(`accuracy no worse than the incumbent by more than ${(v.margin * 100).toFixed(1)} points`)}" time="${seconds(r.candidate)}">${verdictBody}</testcase>`,
    info("cost per case", costText(r)),
    info(
      "p95 latency",
      `candidate ${ms(c.candidateP95Ms)} vs incumbent ${ms(c.incumbentP95Ms)} (${times(c.latencyRatio)}; Mann–Whitney p ${pValue(c.latencyP)})`,
    ),
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}
