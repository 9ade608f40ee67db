import type { AgentConfig } from "../config/schema.ts";
import type { PriceTable } from "../pricing.ts";
import { createDemoAgent } from "./demo.ts";
import { createHttpAgent } from "./http.ts";
import { createOpenAiAgent } from "./openai.ts";
import type { Agent } from "./types.ts";

/** Builds the adapter for one configured agent; `prices` (the config's `pricing:` map) extends the built-in price table. */
export function createAgent(name: string, cfg: AgentConfig, fetchImpl?: typeof fetch, prices?: PriceTable): Agent {
  switch (cfg.kind) {
    case "http":
      return createHttpAgent(name, cfg, fetchImpl, prices);
    case "openai":
      return createOpenAiAgent(name, cfg, fetchImpl, prices);
    case "demo":
      return createDemoAgent(name, cfg);
  }
}
