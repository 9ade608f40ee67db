import { escapeHtml, ms, usd } from "./format.ts";
import { longText } from "./layout.ts";
import type { TrialView } from "./run-store.ts";

/** A case's input and expected answer, from the golden set the run replayed. */
export interface CaseText {
  input: string;
  expected?: string | undefined;
}

/** JSON for reading (arguments, results): indented, escaped and collapsed when long. */
const jsonBlock = (v: unknown, label: string) => longText(typeof v === "string" ? v : JSON.stringify(v, null, 2), label);

interface StoredAssertion {
  type?: unknown;
  passed?: unknown;
  reason?: unknown;
  kind?: unknown;
  model?: unknown;
  score?: unknown;
  cached?: unknown;
}

interface StoredStep {
  tool?: unknown;
  args?: unknown;
  result?: unknown;
  error?: unknown;
}

const str = (v: unknown) => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));

/** Every assertion's verdict and reason; a judge's verdict carries its model and score. */
function assertionsTable(list: readonly StoredAssertion[]): string {
  if (list.length === 0) return `<p class="muted">no assertion results stored</p>`;
  const rows = list.map((x) => {
    const verdict =
      x.kind === "judge_error"
        ? `<span class="warn">judge error</span>`
        : x.passed
          ? `<span class="ok">pass</span>`
          : `<span class="bad">fail</span>`;
    const judge =
      typeof x.model === "string"
        ? ` <span class="muted">judge ${escapeHtml(x.model)}${typeof x.score === "number" ? `, score ${x.score}` : ""}${x.cached ? ", cached" : ""}</span>`
        : "";
    const loop = x.kind === "loop" ? ` <span class="bad">loop</span>` : "";
    const reason = str(x.reason);
    const reasonHtml = reason.length > 160 || reason.includes("\n") ? longText(reason, "reason") : escapeHtml(reason);
    return `<tr><td>${verdict}</td><td>${escapeHtml(str(x.type))}${judge}${loop}</td><td>${reasonHtml}</td></tr>`;
  });
  return `<table class="assertions"><tr><th>verdict</th><th>assertion</th><th>reason</th></tr>${rows.join("")}</table>`;
}

/** The tool calls, in order, with their arguments, results and errors. */
function stepsList(steps: readonly StoredStep[]): string {
  const items = steps.map((s) => {
    const err = s.error !== undefined && s.error !== null ? `<div class="bad">error: ${escapeHtml(str(s.error))}</div>` : "";
    const args = s.args !== undefined ? `<div>arguments ${jsonBlock(s.args, "arguments")}</div>` : "";
    const result = s.result !== undefined ? `<details><summary>result</summary>${jsonBlock(s.result, "result")}</details>` : "";
    return `<li><b>${escapeHtml(str(s.tool))}</b>${err}${args}${result}</li>`;
  });
  return `<ol class="steps">${items.join("")}</ol>`;
}

/**
 * A case's input and expected answer, once above its trials: from the loaded golden set when it
 * is the version the run replayed (trials do not store the input), else a note saying why not.
 */
export function caseInput(input: CaseText | undefined | null): string {
  if (input === undefined) return "";
  if (input === null) return `<p class="muted">input not shown: the golden set loaded now is not the version this run replayed</p>`;
  return `<h3>input</h3>${longText(input.input, "input")}${input.expected !== undefined ? `<h3>expected</h3>${longText(input.expected, "expected answer")}` : ""}`;
}

/**
 * One trial that did not pass, everything stored about it: status, error kind and message,
 * latency, tokens, cost, model, the output, each assertion's verdict and reason (the judge's
 * marked with its model and score), and the steps. Everything is escaped: outputs are whatever
 * the agent said.
 */
export function trialArticle(t: TrialView, opts: { runLink?: string } = {}): string {
  const assertions = Array.isArray(t.assertions) ? (t.assertions as StoredAssertion[]) : [];
  const steps = Array.isArray(t.steps) ? (t.steps as StoredStep[]) : [];
  const facts = [
    `status <b class="${t.status === "error" ? "warn" : "bad"}">${escapeHtml(t.status)}</b>`,
    t.errorKind ? `error kind <b>${escapeHtml(t.errorKind)}</b>` : "",
    `latency ${ms(t.latencyMs)}`,
    `tokens ${t.inputTokens} in / ${t.outputTokens} out`,
    `cost ${usd(t.costUsd)}`,
    t.model ? `model ${escapeHtml(t.model)}` : "",
    `started ${t.startedAt.toISOString()}`,
    opts.runLink ?? "",
  ].filter((s) => s !== "");
  return `<article class="trial${t.status === "error" ? " error" : ""}" data-case="${escapeHtml(t.caseId)}" data-repeat="${t.repeat}">
<h3>${escapeHtml(t.caseId)} · repeat ${t.repeat}</h3><p>${facts.join(" · ")}</p>
${t.errorMessage ? `<p class="bad">${escapeHtml(t.errorMessage)}</p>` : ""}
<h3>output</h3>${t.output === null ? `<p class="muted">no output</p>` : longText(t.output, "output")}
<h3>assertions</h3>${assertionsTable(assertions)}
${steps.length > 0 ? `<h3>steps (${steps.length})</h3>${stepsList(steps)}` : ""}
</article>`;
}
