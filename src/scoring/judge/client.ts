import { postJson } from "../../agents/http-call.ts";
import type { Usage } from "../../agents/types.ts";
import type { JudgeConfig } from "../../config/schema.ts";
import type { ChatMessage } from "./prompt.ts";
import { VERDICT_JSON_SCHEMA } from "./reply.ts";

/** One chat completion from the judge: its message text and usage, or why there is none. */
export type JudgeCall =
  | { ok: true; content: string; usage: Usage; model: string | null }
  | {
      ok: false;
      error: string;
      /** `pause`: transient (network, timeout, 429, 5xx); `now`: a reply that did not fit; `never`: 4xx, retrying will not help. */
      retry: "pause" | "now" | "never";
      usage: Usage;
    };

interface ChatReply {
  model?: string;
  choices?: { message?: { content?: string | null; refusal?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 };
/** Judge replies are a few hundred tokens; a megabyte is already a broken endpoint. */
const MAX_REPLY_BYTES = 1024 * 1024;

/** Sends one chat completion to an OpenAI-compatible judge, deterministic (temperature 0). */
export async function callJudge(
  cfg: JudgeConfig,
  messages: ChatMessage[],
  signal: AbortSignal,
  fetchImpl?: typeof fetch,
  /** Removes secrets from reply excerpts before they are cut short. */
  redact?: (text: string) => string,
  /** The structured-output schema (for `response_format: json_schema`); default: the verdict's. */
  jsonSchema: object = VERDICT_JSON_SCHEMA,
): Promise<JudgeCall> {
  const headers: Record<string, string> = {};
  if (cfg.api_key) headers.authorization = `Bearer ${cfg.api_key}`;
  const body: Record<string, unknown> = {
    model: cfg.model,
    messages,
    temperature: 0,
    response_format: cfg.response_format === "json_schema" ? jsonSchema : { type: "json_object" },
  };
  const reply = await postJson({
    url: `${cfg.base_url.replace(/\/+$/, "")}/chat/completions`,
    headers,
    body,
    timeoutMs: cfg.timeout,
    maxBytes: MAX_REPLY_BYTES,
    signal,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(redact ? { redact } : {}),
  });
  if (!reply.ok) {
    const e = reply.error;
    const transient = e.kind === "network" || e.kind === "timeout" || (e.kind === "http" && (e.status === 429 || (e.status ?? 0) >= 500));
    const retry = transient ? "pause" : e.kind === "http" || e.kind === "aborted" ? "never" : "now";
    return { ok: false, error: `judge: ${e.message}`, retry, usage: NO_USAGE };
  }
  const r = reply.body as ChatReply;
  const usage: Usage = { inputTokens: r?.usage?.prompt_tokens ?? 0, outputTokens: r?.usage?.completion_tokens ?? 0 };
  const message = r?.choices?.[0]?.message;
  if (!message) return { ok: false, error: "judge reply has no choices[0].message", retry: "now", usage };
  if (typeof message.content !== "string" || message.content.trim() === "") {
    const why = message.refusal ? `judge refused: ${message.refusal}` : "judge reply has no content";
    return { ok: false, error: why, retry: "now", usage };
  }
  return { ok: true, content: message.content, usage, model: r.model ?? null };
}
