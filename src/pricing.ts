/** A model's price in USD per million tokens. */
export interface Pricing {
  input_per_mtok: number;
  output_per_mtok: number;
  /** Input tokens read from a prompt cache; absent: charged at the input price (never under). */
  cache_read_per_mtok?: number;
  /** Input tokens written to a prompt cache; absent: charged at the input price. */
  cache_creation_per_mtok?: number;
}

/** USD cost of a call's token counts at `pricing` (zero when the agent has no price). */
export function costOf(usage: { inputTokens: number; outputTokens: number }, pricing: Pricing | undefined): number {
  if (!pricing) return 0;
  return (usage.inputTokens * pricing.input_per_mtok + usage.outputTokens * pricing.output_per_mtok) / 1e6;
}

/** USD per million tokens, by model name (or name prefix). */
export type PriceTable = Readonly<Record<string, Pricing>>;

const p = (input_per_mtok: number, output_per_mtok: number, cache_read_per_mtok?: number, cache_creation_per_mtok?: number): Pricing => ({
  input_per_mtok,
  output_per_mtok,
  ...(cache_read_per_mtok !== undefined ? { cache_read_per_mtok } : {}),
  ...(cache_creation_per_mtok !== undefined ? { cache_creation_per_mtok } : {}),
});

/**
 * List prices of common models (USD per million input / output tokens, standard tier, no batch
 * discounts), as published by the providers in mid-2025; for OpenAI and Anthropic also the prompt
 * cache's read price (and Anthropic's 5-minute cache write price), which production spend uses. Prices change: the config's
 * top-level `pricing:` map overrides or extends this table, and an agent's own `pricing:` wins
 * over both. Keys match a model name exactly or as a prefix before `-`, `@`, `:` or `.`,
 * so `gpt-4o-2024-08-06` is priced as `gpt-4o`, and the longest key wins (`gpt-4o-mini` over `gpt-4o`).
 */
export const DEFAULT_PRICES: PriceTable = {
  // OpenAI
  "gpt-4o": p(2.5, 10, 1.25),
  "gpt-4o-mini": p(0.15, 0.6, 0.075),
  "gpt-4.1": p(2, 8, 0.5),
  "gpt-4.1-mini": p(0.4, 1.6, 0.1),
  "gpt-4.1-nano": p(0.1, 0.4, 0.025),
  "gpt-4-turbo": p(10, 30),
  "gpt-4": p(30, 60),
  "gpt-3.5-turbo": p(0.5, 1.5),
  o1: p(15, 60, 7.5),
  "o1-mini": p(1.1, 4.4, 0.55),
  o3: p(2, 8, 0.5),
  "o3-mini": p(1.1, 4.4, 0.55),
  "o4-mini": p(1.1, 4.4, 0.275),
  // Anthropic
  "claude-opus-4": p(15, 75, 1.5, 18.75),
  "claude-sonnet-4": p(3, 15, 0.3, 3.75),
  "claude-3-7-sonnet": p(3, 15, 0.3, 3.75),
  "claude-3-5-sonnet": p(3, 15, 0.3, 3.75),
  "claude-3-5-haiku": p(0.8, 4, 0.08, 1),
  "claude-3-opus": p(15, 75, 1.5, 18.75),
  "claude-3-haiku": p(0.25, 1.25, 0.03, 0.3),
  // Google (prompts up to 200k tokens)
  "gemini-2.5-pro": p(1.25, 10),
  "gemini-2.5-flash": p(0.3, 2.5),
  "gemini-2.0-flash": p(0.1, 0.4),
  "gemini-1.5-pro": p(1.25, 5),
  "gemini-1.5-flash": p(0.075, 0.3),
  // Mistral
  "mistral-large": p(2, 6),
  "mistral-small": p(0.1, 0.3),
  codestral: p(0.3, 0.9),
};

const BOUNDARY = /[-@:._]/;

/** The price of `model` in `table`: an exact key, else the longest key that prefixes it at a boundary. */
export function lookupPrice(model: string, table: PriceTable): Pricing | undefined {
  // `openai/gpt-4o`, `anthropic.claude-3-5-sonnet-…`: provider prefixes from gateways.
  const candidates = [model, model.split("/").at(-1)!, model.replace(/^[a-z]+\./, "")];
  for (const name of candidates) {
    if (table[name]) return table[name];
    let best: string | undefined;
    for (const key of Object.keys(table)) {
      if (name.startsWith(key) && BOUNDARY.test(name.charAt(key.length)) && (!best || key.length > best.length)) best = key;
    }
    if (best) return table[best];
  }
  return undefined;
}

/**
 * The price to charge a call: the agent's (or judge's) own `pricing` first, then the config's
 * overrides, then the built-in table, by the model the reply reported or else the configured one.
 */
export function resolvePricing(
  explicit: Pricing | undefined,
  models: readonly (string | null | undefined)[],
  overrides: PriceTable = {},
): Pricing | undefined {
  if (explicit) return explicit;
  // One merged table, so the longest matching key wins across both (an override of `gpt-4o`
  // must not price `gpt-4o-mini`).
  const table = Object.keys(overrides).length > 0 ? { ...DEFAULT_PRICES, ...overrides } : DEFAULT_PRICES;
  for (const m of models) {
    const found = m ? lookupPrice(m, table) : undefined;
    if (found) return found;
  }
  return undefined;
}
