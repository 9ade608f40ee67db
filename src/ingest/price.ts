import { DEFAULT_PRICES, lookupPrice, type PriceTable } from "../pricing.ts";
import type { SpanUsage } from "./usage.ts";

/** The built-in table with the config's `pricing:` overrides (one merged table, so the longest key wins across both). */
export function priceTable(overrides: PriceTable): PriceTable {
  return Object.keys(overrides).length > 0 ? { ...DEFAULT_PRICES, ...overrides } : DEFAULT_PRICES;
}

/**
 * USD of one model call: the span's own llm.cost.total when given, else the price of its model
 * (the response model first), with cache reads and writes at their own prices. Undefined when the
 * model has no price: the caller counts it as unpriced, never as $0.
 */
export function callCost(u: SpanUsage, table: PriceTable): number | undefined {
  if (u.cost !== undefined) return u.cost;
  const p = u.model ? lookupPrice(u.model, table) : undefined;
  if (!p) return undefined;
  const uncached = Math.max(0, u.inputTokens - u.cacheReadTokens - u.cacheCreationTokens);
  return (
    (uncached * p.input_per_mtok +
      u.cacheReadTokens * (p.cache_read_per_mtok ?? p.input_per_mtok) +
      u.cacheCreationTokens * (p.cache_creation_per_mtok ?? p.input_per_mtok) +
      u.outputTokens * p.output_per_mtok) /
    1e6
  );
}
