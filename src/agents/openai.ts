import type { OpenAiAgentConfig } from "../config/schema.ts";
import { costOf, resolvePricing } from "../pricing.ts";
import { postJson } from "./http-call.ts";
import { ChatAccumulator, streamChat, type ChatPayload } from "./openai-stream.ts";
import { type Agent, type AgentDeps, type AgentRequest, type Observation, type Pricing } from "./types.ts";

/**
 * An agent behind any OpenAI-compatible chat-completions endpoint; tool calls become steps.
 * With `stream: true` the reply is read as server-sent events and the trial's budget is checked
 * after every chunk, so a runaway reply is cancelled as soon as it crosses a bound. Cost comes
 * from the agent's `pricing`, else the price table, by the model the endpoint reports.
 */
export function createOpenAiAgent(name: string, cfg: OpenAiAgentConfig, deps: AgentDeps = {}): Agent {
  const { prices } = deps;
  const url = `${cfg.base_url.replace(/\/+$/, "")}/chat/completions`;
  const headers: Record<string, string> = { ...cfg.headers };
  if (cfg.api_key) headers.authorization = `Bearer ${cfg.api_key}`;
  const priceOf = (model: string | null): Pricing | undefined => resolvePricing(cfg.pricing, [model, cfg.model], prices);

  const observe = (acc: ChatAccumulator, latencyMs: number): Observation => {
    const usage = acc.usage();
    return {
      output: acc.content,
      steps: acc.steps(),
      usage,
      model: acc.model,
      fingerprint: acc.fingerprint,
      latencyMs,
      costUsd: costOf(usage, priceOf(acc.model)),
      error: null,
    };
  };

  /** What both the whole-reply and the streaming call send. */
  const requestOf = (req: AgentRequest, body: Record<string, unknown>) => ({
    url,
    headers,
    body,
    timeoutMs: cfg.timeout,
    maxBytes: cfg.max_response_bytes,
    signal: req.signal,
    followRedirects: cfg.follow_redirects,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.redact ? { redact: deps.redact } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });

  async function callOnce(req: AgentRequest, body: Record<string, unknown>): Promise<Observation> {
    const started = performance.now();
    const reply = await postJson(requestOf(req, body));
    const latencyMs = performance.now() - started;
    const empty = { steps: [], usage: { inputTokens: 0, outputTokens: 0 }, model: null, fingerprint: null, latencyMs, costUsd: 0 };
    if (!reply.ok) return { ...empty, output: null, error: reply.error };
    const r = reply.body as ChatPayload;
    if (!r?.choices?.[0]?.message) {
      return { ...empty, output: null, error: { kind: "parse", status: reply.status, message: "reply has no choices[0].message" } };
    }
    const acc = new ChatAccumulator(0);
    acc.add(r);
    const obs = observe(acc, latencyMs);
    // A whole reply reports its usage or none: never estimate it.
    return acc.usageReported ? obs : { ...obs, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0 };
  }

  async function callStreaming(req: AgentRequest, body: Record<string, unknown>, promptChars: number): Promise<Observation> {
    const started = performance.now();
    const result = await streamChat({
      ...requestOf(req, body),
      promptChars,
      onProgress: (acc) => {
        const usage = acc.usage();
        req.meter?.progress({ usage, steps: acc.toolCalls, costUsd: costOf(usage, priceOf(acc.model)) });
      },
    });
    const obs = observe(result.acc, performance.now() - started);
    // A stream cut short keeps what arrived: the partial output, steps and (estimated) spend.
    return result.error ? { ...obs, output: obs.output || null, error: result.error } : obs;
  }

  return {
    name,
    async call(req): Promise<Observation> {
      const messages = [...(cfg.system ? [{ role: "system", content: cfg.system }] : []), { role: "user", content: req.input }];
      const body: Record<string, unknown> = { model: cfg.model, messages, user: req.trialId };
      if (cfg.temperature !== undefined) body.temperature = cfg.temperature;
      if (!cfg.stream) return callOnce(req, body);
      const promptChars = messages.reduce((n, m) => n + m.content.length, 0);
      return callStreaming(req, body, promptChars);
    },
  };
}
