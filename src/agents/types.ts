import type { Clock } from "../clock.ts";
import type { PriceTable, Pricing } from "../pricing.ts";

export type { Pricing };

/** One tool call the agent made on its way to the answer. */
export interface Step {
  tool: string;
  args?: unknown;
  result?: unknown;
  error?: string;
}

/** Token usage reported by the agent (zero when it reports none). */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Why a trial produced no scorable answer. Expected outcomes, not exceptions. */
export type AgentErrorKind = "timeout" | "http" | "network" | "parse" | "too_large" | "budget_exceeded" | "aborted";

export interface AgentError {
  kind: AgentErrorKind;
  message: string;
  /** HTTP status, when there was one. */
  status?: number;
  /** For budget_exceeded: the bound that tripped (`tokens`, `usd`, `steps`, `ttl`). */
  bound?: string;
}

/** Everything observed about one call of the agent. */
export interface Observation {
  output: string | null;
  steps: Step[];
  usage: Usage;
  model: string | null;
  /** Provider's system fingerprint, when the agent reports one. */
  fingerprint: string | null;
  latencyMs: number;
  costUsd: number;
  error: AgentError | null;
}

/** What an adapter has seen of a reply so far, while it is still arriving. */
export interface TrialProgress {
  usage: Usage;
  /** Tool calls seen so far. */
  steps: number;
  costUsd: number;
}

/**
 * The per-trial budget as an adapter sees it: report progress as a streamed reply arrives; once a
 * bound is crossed the request's `signal` aborts, cancelling the request.
 */
export interface TrialMeter {
  progress(p: TrialProgress): void;
}

/** What the engine hands an agent for one trial. */
export interface AgentRequest {
  input: string;
  caseId: string;
  trialId: string;
  signal: AbortSignal;
  /** The trial's budget, for adapters that can count while a reply streams in. */
  meter?: TrialMeter;
}

/** A production agent behind one adapter. */
export interface Agent {
  readonly name: string;
  call(req: AgentRequest): Promise<Observation>;
}

/** What an adapter is built with besides its config; every part is optional. */
export interface AgentDeps {
  fetch?: typeof fetch;
  /** Model prices (the config's `pricing:` map) that extend the built-in price table. */
  prices?: PriceTable;
  /** Removes secrets (the config's `${VAR}` values) from reply excerpts before they are cut short. */
  redact?: (text: string) => string;
  /** Times each request's `timeout` (default: the system clock). */
  clock?: Clock;
}
