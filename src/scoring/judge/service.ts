import { createHash } from "node:crypto";
import type { Usage } from "../../agents/types.ts";
import type { Clock } from "../../clock.ts";
import type { JudgeConfig } from "../../config/schema.ts";
import type { Redactor } from "../../config/secrets.ts";
import type { Logger } from "../../log.ts";
import { costOf, resolvePricing, type PriceTable } from "../../pricing.ts";
import type { Db } from "../../store/db.ts";
import { storeVerdict, takeCachedVerdict } from "../../store/judge-cache.ts";
import { canonicalJson } from "../canonical.ts";
import { callJudge } from "./client.ts";
import { buildJudgeMessages } from "./prompt.ts";
import { parseVerdict } from "./reply.ts";
import { emptyJudgeStats, type Judge, type JudgeOutcome, type JudgeRequest, type JudgeStats } from "./types.ts";

/** What the judge service needs. */
export interface JudgeDeps {
  db: Db;
  clock: Clock;
  secrets: Redactor;
  log?: Logger;
  /** The config's price overrides, for the judge's cost when it has no `pricing` of its own. */
  prices?: PriceTable;
  fetch?: typeof fetch;
}

/** A judge that also reports what it did in this run. */
export interface JudgeService extends Judge {
  stats(): JudgeStats;
}

/** Bump when the prompt changes meaning, so verdicts under the old prompt are not reused. */
const PROMPT_VERSION = 1;
/** Pause before retrying a judge that was down or overloaded. */
const RETRY_PAUSE_MS = 1_000;

/** The cache key: a hash of everything that decides a verdict. */
export function verdictKey(model: string, req: JudgeRequest): string {
  const material = canonicalJson({
    v: PROMPT_VERSION,
    model,
    criteria: req.criteria,
    input: req.input,
    expected: req.expected,
    context: req.context,
    output: req.output,
  });
  return createHash("sha256").update(material).digest("hex");
}

/** The cached verdict for `key`, if any; a cache outage answers "none". */
async function fromCache({ db, clock, log, secrets }: JudgeDeps, key: string): Promise<JudgeOutcome | undefined> {
  try {
    const row = await takeCachedVerdict(db, key, clock.now());
    if (!row) return undefined;
    return {
      ok: true,
      verdict: row.verdict === "pass" ? "pass" : "fail",
      score: row.score,
      reason: row.reason,
      model: row.model,
      cached: true,
    };
  } catch (e) {
    // A cache outage costs money, not verdicts: judge afresh.
    log?.warn({ err: secrets.redact((e as Error).message) }, "judge cache read failed; asking the judge");
    return undefined;
  }
}

/** Caches a verdict; a cache outage costs a later request money, never this verdict. */
async function remember({ db, log, secrets }: JudgeDeps, row: Parameters<typeof storeVerdict>[1]): Promise<void> {
  try {
    await storeVerdict(db, row);
  } catch (e) {
    log?.warn({ err: secrets.redact((e as Error).message) }, "judge cache write failed; the verdict stands");
  }
}

/**
 * The LLM judge of one run: answers from the Postgres cache when it can (an identical request
 * already in flight is shared, not sent twice), else asks the endpoint; a reply that does not fit
 * the verdict schema is retried once, a judge that is down once after a pause, then the outcome
 * is a judge error. Never throws; errors never carry the API key.
 */
export function createJudge(cfg: JudgeConfig, deps: JudgeDeps): JudgeService {
  const { clock, secrets, log } = deps;
  const pricing = resolvePricing(cfg.pricing, [cfg.model], deps.prices);
  const inflight = new Map<string, Promise<JudgeOutcome>>();
  const stats: JudgeStats = emptyJudgeStats(cfg.model);
  const charge = (usage: Usage) => {
    stats.inputTokens += usage.inputTokens;
    stats.outputTokens += usage.outputTokens;
    stats.costUsd += costOf(usage, pricing);
  };
  const failure = (error: string): JudgeOutcome => ({ ok: false, error: secrets.redact(error), model: cfg.model });

  async function ask(key: string, req: JudgeRequest, signal: AbortSignal): Promise<JudgeOutcome> {
    const messages = buildJudgeMessages(req);
    let lastError = "judge gave no verdict";
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (signal.aborted) return failure("judge call aborted");
      stats.requests++;
      const call = await callJudge(cfg, messages, signal, deps.fetch, (text) => secrets.redact(text));
      const spent = call.usage;
      charge(spent);
      if (call.ok) {
        const parsed = parseVerdict(call.content);
        if (parsed.ok) {
          const { verdict, score, reason } = parsed.value;
          const model = call.model ?? cfg.model;
          const safeReason = secrets.redact(reason);
          await remember(deps, {
            key,
            model,
            rubric: req.rubric,
            verdict,
            score,
            reason: safeReason,
            inputTokens: spent.inputTokens,
            outputTokens: spent.outputTokens,
            costUsd: costOf(spent, pricing),
            createdAt: clock.now(),
          });
          return { ok: true, verdict, score, reason: safeReason, model, cached: false };
        }
        lastError = parsed.error;
      } else {
        lastError = call.error;
        if (call.retry === "never") break;
        if (call.retry === "pause" && attempt < 2) await clock.sleep(RETRY_PAUSE_MS, signal).catch(() => undefined);
      }
      log?.warn({ attempt, err: secrets.redact(lastError) }, "judge gave no usable verdict");
    }
    stats.errors++;
    return failure(lastError);
  }

  return {
    model: cfg.model,
    stats: () => ({ ...stats }),
    async verdict(req, signal) {
      const key = verdictKey(cfg.model, req);
      const running = inflight.get(key);
      if (running) {
        const shared = await running;
        stats.verdicts++;
        if (shared.ok) stats.cacheHits++;
        return shared.ok ? { ...shared, cached: true } : shared;
      }
      const work = (async () => (await fromCache(deps, key)) ?? (await ask(key, req, signal)))();
      inflight.set(key, work);
      try {
        const outcome = await work;
        stats.verdicts++;
        if (outcome.ok && outcome.cached) stats.cacheHits++;
        return outcome;
      } finally {
        inflight.delete(key);
      }
    },
  };
}
