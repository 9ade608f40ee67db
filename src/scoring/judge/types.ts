/** Built-in rubrics; a case may also give its own criteria. */
export const BUILTIN_RUBRICS = ["correctness", "faithfulness", "relevance", "safety"] as const;
export type BuiltinRubric = (typeof BUILTIN_RUBRICS)[number];

/** What the judge is asked about one trial. */
export interface JudgeRequest {
  /** A built-in rubric's name, or `custom`. */
  rubric: BuiltinRubric | "custom";
  /** The rubric text the judge applies (the built-in text, or the case's own criteria). */
  criteria: string;
  input: string;
  output: string;
  expected?: string | undefined;
  context?: string | undefined;
}

/** A verdict, or why there is none. `judge_error` results are not counted as the agent's failure. */
export type JudgeOutcome =
  | { ok: true; verdict: "pass" | "fail"; /** 0–10 as the judge gave it. */ score: number; reason: string; model: string; cached: boolean }
  | { ok: false; error: string; model: string };

/** The narrow judge service an assertion sees. */
export interface Judge {
  readonly model: string;
  verdict(req: JudgeRequest, signal: AbortSignal): Promise<JudgeOutcome>;
}

/** What a run's judge did: calls, cache hits, failures, and its own tokens and cost. */
export interface JudgeStats {
  model: string;
  /** Verdicts handed to assertions (fresh and cached). */
  verdicts: number;
  /** Verdicts answered from the cache (or from an identical request already in flight). */
  cacheHits: number;
  /** HTTP requests sent to the judge, retries included. */
  requests: number;
  /** Requests that gave no verdict after the retry. */
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** A judge's counters before its first request. */
export const emptyJudgeStats = (model: string): JudgeStats => ({
  model,
  verdicts: 0,
  cacheHits: 0,
  requests: 0,
  errors: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
});
