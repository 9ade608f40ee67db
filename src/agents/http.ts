import type { HttpAgentConfig } from "../config/schema.ts";
import { costOf, resolvePricing } from "../pricing.ts";
import { postJson } from "./http-call.ts";
import { num, streamJson, type StreamJsonOptions } from "./http-stream.ts";
import { readPath } from "./jsonpath.ts";
import { compileHeaders, compileTemplate } from "./template.ts";
import { type Agent, type AgentDeps, type AgentError, type Observation, type Pricing, type Step, type Usage } from "./types.ts";

const str = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === "string" ? v : JSON.stringify(v));

/** Normalises a reply's trace into steps: `[{tool|name, args|arguments|input, result|output, error}]`. */
export function toSteps(raw: unknown): Step[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((s): Step[] => {
    if (!s || typeof s !== "object") return [];
    const o = s as Record<string, unknown>;
    const tool = o.tool ?? o.name ?? (o.function as Record<string, unknown> | undefined)?.name;
    if (typeof tool !== "string") return [];
    const step: Step = { tool };
    const args = o.args ?? o.arguments ?? o.input;
    if (args !== undefined) step.args = args;
    const result = o.result ?? o.output;
    if (result !== undefined) step.result = result;
    if (o.error !== undefined && o.error !== null) step.error = typeof o.error === "string" ? o.error : JSON.stringify(o.error);
    return [step];
  });
}

/** The observation of a call that got no usable reply. */
const failed = (latencyMs: number, error: AgentError): Observation => ({
  output: null,
  steps: [],
  usage: { inputTokens: 0, outputTokens: 0 },
  model: null,
  fingerprint: null,
  latencyMs,
  costUsd: 0,
  error,
});

/**
 * An agent behind a JSON-over-HTTP endpoint, mapped by JSON paths. Its reply is read whole, so the
 * trial's budget is checked when it arrives (and `ttl` cancels the request while it waits).
 */
export function createHttpAgent(name: string, cfg: HttpAgentConfig, deps: AgentDeps = {}): Agent {
  const { prices } = deps;
  const headersFor = compileHeaders(cfg.headers);
  const bodyFor = compileTemplate(cfg.body);
  const priceOf = (model: string | null) => resolvePricing(cfg.pricing, [model], prices);
  // What every request of this agent shares: fetch, redirects, redaction of reply excerpts, the clock.
  const shared = {
    followRedirects: cfg.follow_redirects,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.redact ? { redact: deps.redact } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  };
  if (cfg.stream) return streamingHttpAgent(name, cfg, cfg.stream, { headersFor, bodyFor, priceOf, shared });
  return {
    name,
    async call(req): Promise<Observation> {
      const vars = { input: req.input, case_id: req.caseId, trial_id: req.trialId };
      const headers = headersFor(vars);
      const started = performance.now();
      const reply = await postJson({
        url: cfg.url,
        method: cfg.method,
        headers,
        body: bodyFor(vars),
        timeoutMs: cfg.timeout,
        maxBytes: cfg.max_response_bytes,
        signal: req.signal,
        ...shared,
      });
      const latencyMs = performance.now() - started;
      if (!reply.ok) return failed(latencyMs, reply.error);
      const m = cfg.response;
      const outputValue = readPath(reply.body, m.output);
      if (outputValue === undefined) return failed(latencyMs, { kind: "parse", status: reply.status, message: `reply has no ${m.output}` });
      const usage: Usage = {
        inputTokens: m.input_tokens ? num(readPath(reply.body, m.input_tokens)) : 0,
        outputTokens: m.output_tokens ? num(readPath(reply.body, m.output_tokens)) : 0,
      };
      const model = m.model ? str(readPath(reply.body, m.model)) : null;
      return {
        output: str(outputValue),
        steps: m.steps ? toSteps(readPath(reply.body, m.steps)) : [],
        usage,
        model,
        fingerprint: m.fingerprint ? str(readPath(reply.body, m.fingerprint)) : null,
        latencyMs,
        costUsd: costOf(usage, cfg.pricing ?? priceOf(model)),
        error: null,
      };
    },
  };
}

/** An `http` agent with `stream:`: events are folded as they arrive and metered against the trial's budget. */
function streamingHttpAgent(
  name: string,
  cfg: HttpAgentConfig,
  format: "ndjson" | "sse",
  parts: {
    headersFor: (vars: Record<string, string>) => Record<string, string>;
    bodyFor: (vars: Record<string, string>) => unknown;
    priceOf: (model: string | null) => Pricing | undefined;
    shared: Pick<StreamJsonOptions, "fetch" | "followRedirects" | "redact" | "clock">;
  },
): Agent {
  return {
    name,
    async call(req): Promise<Observation> {
      const vars = { input: req.input, case_id: req.caseId, trial_id: req.trialId };
      const started = performance.now();
      const { reply, error } = await streamJson({
        url: cfg.url,
        method: cfg.method,
        headers: parts.headersFor(vars),
        body: parts.bodyFor(vars),
        format,
        mapping: cfg.response,
        toSteps,
        timeoutMs: cfg.timeout,
        maxBytes: cfg.max_response_bytes,
        signal: req.signal,
        onEvent: (r) => req.meter?.progress({ usage: r.usage, steps: r.steps.length, costUsd: costOf(r.usage, parts.priceOf(r.model)) }),
        ...parts.shared,
      });
      // What arrived before an error (or a budget's abort) is kept: the partial trajectory and spend.
      return {
        output: error ? null : reply.output,
        steps: reply.steps,
        usage: reply.usage,
        model: reply.model,
        fingerprint: reply.fingerprint,
        latencyMs: performance.now() - started,
        costUsd: costOf(reply.usage, parts.priceOf(reply.model)),
        error,
      };
    },
  };
}
