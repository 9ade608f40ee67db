import type { AgentConfig } from "../config/schema.ts";
import { createDemoAgent } from "./demo.ts";
import { createHttpAgent } from "./http.ts";
import { createOpenAiAgent } from "./openai.ts";
import type { Agent } from "./types.ts";

/** Builds the adapter for one configured agent. */
export function createAgent(name: string, cfg: AgentConfig, fetchImpl?: typeof fetch): Agent {
  switch (cfg.kind) {
    case "http":
      return createHttpAgent(name, cfg, fetchImpl);
    case "openai":
      return createOpenAiAgent(name, cfg, fetchImpl);
    case "demo":
      return createDemoAgent(name, cfg);
  }
}
