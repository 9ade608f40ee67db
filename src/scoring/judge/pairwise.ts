import { createHash } from "node:crypto";
import type { Clock } from "../../clock.ts";
import type { JudgeConfig } from "../../config/schema.ts";
import type { Redactor } from "../../config/secrets.ts";
import type { Logger } from "../../log.ts";
import { costOf, resolvePricing, type PriceTable } from "../../pricing.ts";
import type { Db } from "../../store/db.ts";
import { storeVerdict, takeCachedVerdict } from "../../store/judge-cache.ts";
import { canonicalJson } from "../canonical.ts";
import { callJudge } from "./client.ts";
import { buildPairwiseMessages, PAIRWISE_JSON_SCHEMA, parsePairwise, type PairwiseRequest } from "./pairwise-prompt.ts";
import { emptyJudgeStats, type JudgeStats } from "./types.ts";

export type { PairwiseRequest };

/** Which answer the judge preferred, by position, or why there is no verdict. */
export type PairwiseOutcome =
  | { ok: true; winner: "first" | "second" | "tie"; reason: string; model: string; cached: boolean; costUsd: number }
  | { ok: false; error: string; model: string; costUsd: number };

/** The pairwise judge of one shadow run. */
export interface PairwiseJudge {
  readonly model: string;
  compare(req: PairwiseRequest, signal: AbortSignal): Promise<PairwiseOutcome>;
  stats(): JudgeStats;
}

export interface PairwiseJudgeDeps {
  db: Db;
  clock: Clock;
  secrets: Redactor;
  log?: Logger;
  prices?: PriceTable;
  fetch?: typeof fetch;
}

/** Bump when the pairwise prompt changes meaning. */
const PROMPT_VERSION = 1;
const RETRY_PAUSE_MS = 1_000;
/** Stored in judge_verdicts.score: the first answer's share of the win. */
const FIRST_SCORE = { first: 1, tie: 0.5, second: 0 } as const;

/** The cache key: every input that decides a pairwise verdict, order included (the order is the point). */
export function pairwiseKey(model: string, req: PairwiseRequest): string {
  const material = canonicalJson({
    v: PROMPT_VERSION,
    kind: "pairwise",
    model,
    criteria: req.criteria,
    input: req.input,
    first: req.first,
    second: req.second,
  });
  return createHash("sha256").update(material).digest("hex");
}

/**
 * The pairwise judge: the same pinned model, client, cache table (judge_verdicts, rubric
 * `pairwise`) and secret redaction as the assertion judge (service.ts). A reply that does not fit
 * is retried once, a judge that is down once after a pause; then it is a judge error, never a
 * verdict. Never throws. Its spend is counted apart (stats), so the caller can cap it.
 */
export function createPairwiseJudge(cfg: JudgeConfig, deps: PairwiseJudgeDeps): PairwiseJudge {
  const { clock, secrets, log } = deps;
  const pricing = resolvePricing(cfg.pricing, [cfg.model], deps.prices);
  const stats: JudgeStats = emptyJudgeStats(cfg.model);

  async function cached(key: string): Promise<PairwiseOutcome | undefined> {
    try {
      const row = await takeCachedVerdict(deps.db, key, clock.now());
      if (!row || !(row.verdict === "first" || row.verdict === "second" || row.verdict === "tie")) return undefined;
      return { ok: true, winner: row.verdict, reason: row.reason, model: row.model, cached: true, costUsd: 0 };
    } catch (e) {
      log?.warn({ err: secrets.redact((e as Error).message) }, "judge cache read failed; asking the judge");
      return undefined;
    }
  }

  async function ask(key: string, req: PairwiseRequest, signal: AbortSignal): Promise<PairwiseOutcome> {
    const messages = buildPairwiseMessages(req);
    let lastError = "judge gave no verdict";
    let spentUsd = 0;
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (signal.aborted) break;
      stats.requests++;
      const call = await callJudge(cfg, messages, signal, deps.fetch, (t) => secrets.redact(t), PAIRWISE_JSON_SCHEMA);
      const cost = costOf(call.usage, pricing);
      stats.inputTokens += call.usage.inputTokens;
      stats.outputTokens += call.usage.outputTokens;
      stats.costUsd += cost;
      spentUsd += cost;
      if (call.ok) {
        const parsed = parsePairwise(call.content);
        if (parsed.ok) {
          const model = call.model ?? cfg.model;
          const reason = secrets.redact(parsed.value.reason);
          const { winner } = parsed.value;
          try {
            await storeVerdict(deps.db, {
              key,
              model,
              rubric: "pairwise",
              verdict: winner,
              score: FIRST_SCORE[winner],
              reason,
              inputTokens: call.usage.inputTokens,
              outputTokens: call.usage.outputTokens,
              costUsd: cost,
              createdAt: clock.now(),
            });
          } catch (e) {
            log?.warn({ err: secrets.redact((e as Error).message) }, "judge cache write failed; the verdict stands");
          }
          return { ok: true, winner, reason, model, cached: false, costUsd: spentUsd };
        }
        lastError = parsed.error;
      } else {
        lastError = call.error;
        if (call.retry === "never") break;
        if (call.retry === "pause" && attempt < 2) await clock.sleep(RETRY_PAUSE_MS, signal).catch(() => undefined);
      }
      log?.warn({ attempt, err: secrets.redact(lastError) }, "pairwise judge gave no usable verdict");
    }
    stats.errors++;
    return { ok: false, error: secrets.redact(signal.aborted ? "judge call aborted" : lastError), model: cfg.model, costUsd: spentUsd };
  }

  return {
    model: cfg.model,
    stats: () => ({ ...stats }),
    async compare(req, signal) {
      const key = pairwiseKey(cfg.model, req);
      const outcome = (await cached(key)) ?? (await ask(key, req, signal));
      stats.verdicts++;
      if (outcome.ok && outcome.cached) stats.cacheHits++;
      return outcome;
    },
  };
}
