// A run's aggregates counted as its trials finish: the same figures `aggregateTrials`
// (store/runs.ts) computes from the stored trials, without scanning them again once the run ends
// (0.1 s per 100k trials on a server, 0.3 s and a burst of memory on the embedded database).
// test/engine/tally.test.ts holds the two equal. Pure.
import type { CaseCounts, TrialAggregates } from "../store/runs.ts";
import { asStored, type TrialRow } from "../store/trials.ts";
import { runawayReason } from "./trial-row.ts";

type CaseTally = CaseCounts & { runaway: number; runawayBy: Record<string, number> };

/** Byte order of the UTF-8 forms, which is how `collate "C"` sorts (aggregateTrials's mode()). */
const sortsBefore = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;

/**
 * The most frequent value as stored (see asStored: values the database holds as one count as
 * one); ties go to the one that sorts first, as Postgres's mode() does. Counted raw while trials
 * run, converted once here.
 */
function mode(raw: Map<string, number>): string | null {
  const counts = new Map<string, number>();
  for (const [value, count] of raw) {
    const stored = asStored(value);
    counts.set(stored, (counts.get(stored) ?? 0) + count);
  }
  let best = "";
  let bestCount = 0;
  for (const [value, count] of counts) {
    if (count > bestCount || (count === bestCount && sortsBefore(value, best))) {
      best = value;
      bestCount = count;
    }
  }
  return bestCount > 0 ? best : null;
}

/** Linear-interpolated percentile of sorted values, as percentile_cont; null for none. */
function percentile(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.ceil(h)]! - sorted[lo]!);
}

const bump = (counts: Map<string, number>, value: string | null | undefined) => {
  if (value !== null && value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
};

/**
 * Copies of the counts, one per case id as stored: ids that differ only by what storing removes
 * (a NUL) are one case to the database, so they are one here too.
 */
function mergedById(tallies: Iterable<CaseTally>): CaseTally[] {
  const byId = new Map<string, CaseTally>();
  for (const c of tallies) {
    const into = byId.get(c.id);
    if (!into) {
      byId.set(c.id, { ...c, runawayBy: { ...c.runawayBy } });
      continue;
    }
    into.trials += c.trials;
    into.scored += c.scored;
    into.passes += c.passes;
    into.errors += c.errors;
    into.budgetExceeded += c.budgetExceeded;
    into.judgeErrors += c.judgeErrors;
    into.runaway += c.runaway;
    for (const [why, n] of Object.entries(c.runawayBy)) into.runawayBy[why] = (into.runawayBy[why] ?? 0) + n;
  }
  return [...byId.values()];
}

export class TrialTally {
  readonly #cases = new Map<string, CaseTally>();
  /** Latencies of trials that got a reply (a timeout is not a latency), 8 bytes a trial. */
  #latencies = new Float64Array(1024);
  #replies = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  #costUsd = 0;
  readonly #models = new Map<string, number>();
  readonly #fingerprints = new Map<string, number>();

  add(row: TrialRow): void {
    let c = this.#cases.get(row.caseId);
    if (!c) {
      const id = asStored(row.caseId);
      c = { id, trials: 0, scored: 0, passes: 0, errors: 0, budgetExceeded: 0, judgeErrors: 0, runaway: 0, runawayBy: {} };
      this.#cases.set(row.caseId, c);
    }
    c.trials++;
    const { status } = row;
    if (status === "pass" || status === "fail" || status === "budget_exceeded") c.scored++;
    if (status === "pass") c.passes++;
    else if (status === "error") c.errors++;
    else if (status === "budget_exceeded") c.budgetExceeded++;
    else if (status === "judge_error") c.judgeErrors++;
    const reason = runawayReason(row);
    if (reason !== null) {
      c.runaway++;
      c.runawayBy[reason] = (c.runawayBy[reason] ?? 0) + 1;
    }
    // Spend over every trial: a reply that failed after using tokens was still paid for.
    this.#inputTokens += row.inputTokens;
    this.#outputTokens += row.outputTokens;
    this.#costUsd += row.costUsd;
    if (status === "error") return;
    if (this.#replies === this.#latencies.length) {
      const grown = new Float64Array(this.#latencies.length * 2);
      grown.set(this.#latencies);
      this.#latencies = grown;
    }
    this.#latencies[this.#replies++] = row.latencyMs;
    bump(this.#models, row.model);
    bump(this.#fingerprints, row.fingerprint);
  }

  result(): TrialAggregates {
    const sorted = this.#latencies.slice(0, this.#replies).sort();
    return {
      cases: mergedById(this.#cases.values()),
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      costUsd: this.#costUsd,
      model: mode(this.#models),
      fingerprint: mode(this.#fingerprints),
    };
  }
}
