import { describe, expect, it } from "vitest";
import { DEFAULT_PRICES, lookupPrice, resolvePricing } from "../../src/pricing.ts";

describe("price table", () => {
  it("prices dated snapshots by their family, longest name first", () => {
    expect(lookupPrice("gpt-4o-2024-08-06", DEFAULT_PRICES)).toEqual({
      input_per_mtok: 2.5,
      output_per_mtok: 10,
      cache_read_per_mtok: 1.25,
    });
    expect(lookupPrice("gpt-4o-mini-2024-07-18", DEFAULT_PRICES)).toEqual({
      input_per_mtok: 0.15,
      output_per_mtok: 0.6,
      cache_read_per_mtok: 0.075,
    });
    expect(lookupPrice("claude-3-5-sonnet-20241022", DEFAULT_PRICES)).toEqual({
      input_per_mtok: 3,
      output_per_mtok: 15,
      cache_read_per_mtok: 0.3,
      cache_creation_per_mtok: 3.75,
    });
    expect(lookupPrice("openai/gpt-4.1-mini", DEFAULT_PRICES)).toEqual({
      input_per_mtok: 0.4,
      output_per_mtok: 1.6,
      cache_read_per_mtok: 0.1,
    });
    expect(lookupPrice("anthropic.claude-3-haiku-20240307-v1:0", DEFAULT_PRICES)).toEqual({
      input_per_mtok: 0.25,
      output_per_mtok: 1.25,
      cache_read_per_mtok: 0.03,
      cache_creation_per_mtok: 0.3,
    });
    // A prefix must end at a boundary: gpt-4oo is not gpt-4o, o30 is not o3.
    expect(lookupPrice("gpt-4oo", DEFAULT_PRICES)).toBeUndefined();
    expect(lookupPrice("o30", DEFAULT_PRICES)).toBeUndefined();
    expect(lookupPrice("my-own-model", DEFAULT_PRICES)).toBeUndefined();
  });

  it("takes the agent's own price first, then the config's overrides, then the table", () => {
    const own = { input_per_mtok: 9, output_per_mtok: 9 };
    expect(resolvePricing(own, ["gpt-4o"], {})).toBe(own);
    const overrides = { "gpt-4o": { input_per_mtok: 1, output_per_mtok: 1 }, "my-model": { input_per_mtok: 2, output_per_mtok: 2 } };
    expect(resolvePricing(undefined, ["gpt-4o-2024-08-06"], overrides)).toEqual({ input_per_mtok: 1, output_per_mtok: 1 });
    // An override of gpt-4o does not price gpt-4o-mini: the longest key wins across both tables.
    expect(resolvePricing(undefined, ["gpt-4o-mini-2024-07-18"], overrides)).toEqual({
      input_per_mtok: 0.15,
      output_per_mtok: 0.6,
      cache_read_per_mtok: 0.075,
    });
    expect(resolvePricing(undefined, ["my-model-v2"], overrides)).toEqual({ input_per_mtok: 2, output_per_mtok: 2 });
    // The reported model first, then the configured one.
    expect(resolvePricing(undefined, [null, "o3-mini"], {})).toEqual({
      input_per_mtok: 1.1,
      output_per_mtok: 4.4,
      cache_read_per_mtok: 0.55,
    });
    expect(resolvePricing(undefined, ["unknown"], {})).toBeUndefined();
  });
});
