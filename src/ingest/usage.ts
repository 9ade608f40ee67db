import type { AttrValue } from "./span.ts";

/** What one span says about GenAI usage, read from its attributes (GenAI semconv and OpenInference). */
export type SpanRole =
  | { kind: "inference"; usage: SpanUsage }
  | { kind: "agent"; name: string | undefined }
  | { kind: "other" }
  | { kind: "invalid"; reason: string };

export interface SpanUsage {
  provider: string;
  model: string;
  /** All input tokens, cached ones included (GenAI semconv: input_tokens SHOULD include them). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** llm.cost.total when the span gives it (USD). */
  cost: number | undefined;
  /** gen_ai.agent.name on the inference span itself. */
  ownAgent: string | undefined;
}

/** gen_ai.operation.name values that are one model call. */
const INFERENCE_OPS = new Set(["chat", "text_completion", "generate_content", "embeddings"]);
/** OpenInference span kinds that are one model call. */
const INFERENCE_KINDS = new Set(["LLM", "EMBEDDING"]);

/** Input-message attributes handed to the shadow-sampling hook, first found wins. */
export const INPUT_KEYS = ["gen_ai.input.messages", "gen_ai.prompt", "input.value"] as const;

/** Every span attribute the receiver reads (the decoders skip all others). */
export const USAGE_KEYS: readonly string[] = [
  "gen_ai.operation.name",
  "gen_ai.provider.name",
  "gen_ai.system",
  "gen_ai.request.model",
  "gen_ai.response.model",
  "gen_ai.usage.input_tokens",
  "gen_ai.usage.output_tokens",
  "gen_ai.usage.prompt_tokens",
  "gen_ai.usage.completion_tokens",
  "gen_ai.usage.cache_read.input_tokens",
  "gen_ai.usage.cache_creation.input_tokens",
  "gen_ai.agent.name",
  "openinference.span.kind",
  "agent.name",
  "llm.model_name",
  "llm.provider",
  "llm.system",
  "llm.token_count.prompt",
  "llm.token_count.completion",
  "llm.token_count.total",
  "llm.token_count.prompt_details.cache_read",
  "llm.token_count.prompt_details.cache_write",
  "llm.cost.total",
];

const str = (v: AttrValue | undefined): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A count attribute: undefined when absent, NaN when present but not a non-negative number. */
export function count(v: AttrValue | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n) : NaN;
}

/** The first of `keys` the span has, as a count. */
function firstCount(a: ReadonlyMap<string, AttrValue>, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = a.get(k);
    if (v !== undefined) return count(v);
  }
  return undefined;
}

/** Whether a span is a model call, an agent invocation or neither. */
export function spanKind(a: ReadonlyMap<string, AttrValue>): "inference" | "agent" | "other" {
  const op = a.get("gen_ai.operation.name");
  const oi = a.get("openinference.span.kind");
  if ((typeof op === "string" && INFERENCE_OPS.has(op)) || (typeof oi === "string" && INFERENCE_KINDS.has(oi.toUpperCase())))
    return "inference";
  if (op === "invoke_agent" || (typeof oi === "string" && oi.toUpperCase() === "AGENT")) return "agent";
  return "other";
}

/**
 * The role of a span and, for a model call, its usage. Tokens count only on model calls, so an
 * invoke_agent span that sums its children's usage is never counted again.
 */
export function spanRole(a: ReadonlyMap<string, AttrValue>): SpanRole {
  const kind = spanKind(a);
  if (kind === "agent") return { kind, name: str(a.get("gen_ai.agent.name")) ?? str(a.get("agent.name")) };
  if (kind === "other") return { kind };
  let input = firstCount(a, "gen_ai.usage.input_tokens", "llm.token_count.prompt", "gen_ai.usage.prompt_tokens");
  let output = firstCount(a, "gen_ai.usage.output_tokens", "llm.token_count.completion", "gen_ai.usage.completion_tokens");
  const total = firstCount(a, "llm.token_count.total");
  const cacheRead = firstCount(a, "gen_ai.usage.cache_read.input_tokens", "llm.token_count.prompt_details.cache_read") ?? 0;
  const cacheCreation = firstCount(a, "gen_ai.usage.cache_creation.input_tokens", "llm.token_count.prompt_details.cache_write") ?? 0;
  const costAttr = a.get("llm.cost.total");
  const cost = costAttr === undefined ? undefined : typeof costAttr === "number" ? costAttr : Number(costAttr);
  for (const [name, v] of [
    ["input", input],
    ["output", output],
    ["total", total],
    ["cache read", cacheRead],
    ["cache creation", cacheCreation],
    ["cost", cost],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      return { kind: "invalid", reason: `model-call span whose ${name} count is not a non-negative number` };
  }
  // Only a total: counted as input, so the price is the lower of the two rates (a lower bound).
  if (input === undefined && output === undefined && total !== undefined) input = total;
  input ??= 0;
  output ??= 0;
  // Cached tokens are part of input_tokens by the convention; an instrumentation that reports them
  // apart (Anthropic's API does) gives fewer input tokens than cached ones, and the sum is the input.
  if (cacheRead + cacheCreation > input) input += cacheRead + cacheCreation;
  return {
    kind: "inference",
    usage: {
      provider:
        str(a.get("gen_ai.provider.name")) ?? str(a.get("gen_ai.system")) ?? str(a.get("llm.provider")) ?? str(a.get("llm.system")) ?? "",
      model: str(a.get("gen_ai.response.model")) ?? str(a.get("gen_ai.request.model")) ?? str(a.get("llm.model_name")) ?? "",
      inputTokens: input,
      outputTokens: output,
      cacheReadTokens: cacheRead,
      cacheCreationTokens: cacheCreation,
      cost,
      ownAgent: str(a.get("gen_ai.agent.name")),
    },
  };
}

/** The span's input messages as text (the first input attribute it has), for shadow sampling. */
export function spanInput(a: ReadonlyMap<string, AttrValue>): string | undefined {
  for (const k of INPUT_KEYS) {
    const v = a.get(k);
    if (typeof v === "string" && v !== "") return v;
  }
  return undefined;
}
