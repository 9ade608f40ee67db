import type { OpenAiAgentConfig } from "../config/schema.ts";
import { postJson } from "./http-call.ts";
import { costOf, type Agent, type Observation, type Step } from "./types.ts";

interface ChatReply {
  model?: string;
  system_fingerprint?: string;
  choices?: { message?: { content?: string | null; tool_calls?: { function?: { name?: string; arguments?: string } }[] } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

function parseArgs(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An agent behind any OpenAI-compatible chat-completions endpoint; tool calls become steps. */
export function createOpenAiAgent(name: string, cfg: OpenAiAgentConfig, fetchImpl?: typeof fetch): Agent {
  const url = `${cfg.base_url.replace(/\/+$/, "")}/chat/completions`;
  const headers: Record<string, string> = { ...cfg.headers };
  if (cfg.api_key) headers.authorization = `Bearer ${cfg.api_key}`;
  return {
    name,
    async call(req): Promise<Observation> {
      const messages = [
        ...(cfg.system ? [{ role: "system", content: cfg.system }] : []),
        { role: "user", content: req.input },
      ];
      const body: Record<string, unknown> = { model: cfg.model, messages, user: req.trialId };
      if (cfg.temperature !== undefined) body.temperature = cfg.temperature;
      const started = performance.now();
      const reply = await postJson({
        url,
        headers,
        body,
        timeoutMs: cfg.timeout,
        maxBytes: cfg.max_response_bytes,
        signal: req.signal,
        ...(fetchImpl ? { fetch: fetchImpl } : {}),
      });
      const latencyMs = performance.now() - started;
      const empty = { steps: [], usage: { inputTokens: 0, outputTokens: 0 }, model: null, fingerprint: null, latencyMs, costUsd: 0 };
      if (!reply.ok) return { ...empty, output: null, error: reply.error };
      const r = reply.body as ChatReply;
      const message = r?.choices?.[0]?.message;
      if (!message) {
        return { ...empty, output: null, error: { kind: "parse", status: reply.status, message: "reply has no choices[0].message" } };
      }
      const steps: Step[] = (message.tool_calls ?? []).flatMap((tc) =>
        tc.function?.name ? [{ tool: tc.function.name, args: parseArgs(tc.function.arguments) }] : [],
      );
      const usage = { inputTokens: r.usage?.prompt_tokens ?? 0, outputTokens: r.usage?.completion_tokens ?? 0 };
      return {
        output: message.content ?? "",
        steps,
        usage,
        model: r.model ?? null,
        fingerprint: r.system_fingerprint ?? null,
        latencyMs,
        costUsd: costOf(usage, cfg.pricing),
        error: null,
      };
    },
  };
}
