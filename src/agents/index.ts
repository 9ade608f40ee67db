import type { AgentConfig } from "../config/schema.ts";
import { createDemoAgent } from "./demo.ts";
import { createHttpAgent } from "./http.ts";
import { createOpenAiAgent } from "./openai.ts";
import type { Agent, AgentDeps } from "./types.ts";

/** Builds the adapter for one configured agent. */
export function createAgent(name: string, cfg: AgentConfig, deps: AgentDeps = {}): Agent {
  switch (cfg.kind) {
    case "http":
      return createHttpAgent(name, cfg, deps);
    case "openai":
      return createOpenAiAgent(name, cfg, deps);
    case "demo":
      return createDemoAgent(name, cfg);
  }
}
