// Which production inputs become samples, and in what form. Pure.
import { createHash } from "node:crypto";
import type { SamplingConfig } from "../config/schema.ts";
import { redactPii } from "../scoring/pii.ts";

/** Where a sample came from. */
export type SampleSource = "otlp" | "jsonl" | "api";

/** One production input offered for sampling. */
export interface OfferedInput {
  agent: string;
  source: SampleSource;
  traceId?: string | undefined;
  input: string;
}

/**
 * Whether a trace is kept at `rate`: the first 32 bits of sha256(trace id) as a fraction of 2³².
 * Deterministic, so every replica (and every span of one trace) decides alike, and a trace kept at
 * rate r is kept at every rate above r.
 */
export function keepTrace(traceId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  const h = createHash("sha256").update(traceId).digest();
  return h.readUInt32BE(0) / 2 ** 32 < rate;
}

/** sha256 of the stored input text: the de-duplication key (with the agent). */
export const inputHash = (input: string): string => createHash("sha256").update(input).digest("hex");

/** Why an offered input was not kept. */
export type SkipReason = "agent" | "sampled_out" | "empty" | "too_long";

/**
 * The sample to store for an offered input, or why none: the agent filter, the trace-id sampling
 * (inputs without a trace id, from a file or the API, were chosen by the user and are kept), the
 * length limit, and PII redaction before hashing, so the stored text and its key never hold it.
 */
export function prepareSample(
  offered: OfferedInput,
  sampling: SamplingConfig,
): { ok: true; input: string; inputHash: string } | { ok: false; reason: SkipReason } {
  if (sampling.agents && !sampling.agents.includes(offered.agent)) return { ok: false, reason: "agent" };
  if (offered.traceId !== undefined && !keepTrace(offered.traceId, sampling.rate)) return { ok: false, reason: "sampled_out" };
  const trimmed = offered.input.trim();
  if (trimmed === "") return { ok: false, reason: "empty" };
  if (trimmed.length > sampling.max_input_chars) return { ok: false, reason: "too_long" };
  const input = sampling.redact_pii ? redactPii(trimmed) : trimmed;
  return { ok: true, input, inputHash: inputHash(input) };
}

/**
 * The user's words from a span's input: a string as it is; OpenAI-style messages
 * (`[{role, content}]`, content a string or text parts) as the last user message's text.
 * Undefined when there is no user text.
 */
export function inputText(input: unknown): string | undefined {
  if (typeof input === "string") return input;
  if (!Array.isArray(input)) return undefined;
  for (let i = input.length - 1; i >= 0; i--) {
    const m = input[i] as { role?: unknown; content?: unknown; parts?: unknown } | null;
    if (!m || m.role !== "user") continue;
    const text = partsText(m.content ?? m.parts);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** Text of a message's content: a string, or the `text` (or `content`) of its text parts joined. */
function partsText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return undefined;
  const texts = content.flatMap((p: { type?: unknown; text?: unknown; content?: unknown } | null) => {
    if (!p) return [];
    if (typeof p.text === "string") return [p.text];
    if (p.type === "text" && typeof p.content === "string") return [p.content];
    return [];
  });
  return texts.length > 0 ? texts.join("\n") : undefined;
}
