import { z } from "zod";

/**
 * The default pairwise rubric: helpfulness and correctness. Custom text replaces it (`rubric:`).
 * Changing this text changes the judge's cache key, so old verdicts are not reused.
 */
export const DEFAULT_SHADOW_RUBRIC =
  "Helpfulness and correctness. Prefer the answer that answers `question` correctly and completely, with facts that are right " +
  "and nothing misleading, and that helps the user get what they asked for. Length alone is no merit: a longer answer is better " +
  "only when what it adds is right and useful. If both answers are equally good or equally bad, say tie.";

/** `shadow.sampling`: how production inputs become samples (OTLP spans, JSONL files, POST /api/samples). */
const sampling = z.strictObject({
  /** Share of traces kept, decided by a hash of the trace id (the same trace is kept on every replica); default 1. */
  rate: z.number().min(0).max(1).default(1),
  /** Only these agents' inputs are kept; unset: every agent's. */
  agents: z.array(z.string().min(1)).min(1).optional(),
  /** Replace personal data and secrets in stored inputs; default on (these are users' words). */
  redact_pii: z.boolean().default(true),
  /** Longer inputs are refused, not cut (a cut question is another question). */
  max_input_chars: z.number().int().positive().default(20_000),
});

/** One shadow job, given the config's budget schema (src/config/schema.ts owns it). */
function shadowJob<B extends z.ZodType>(budget: B) {
  return z.strictObject({
    candidate: z.string().min(1),
    incumbent: z.string().min(1),
    /** Whose production inputs to replay; default: the incumbent's. */
    inputs_from: z.string().min(1).optional(),
    /** N: the most recent distinct inputs replayed per run. */
    sample: z.number().int().min(2).max(10_000).default(50),
    /** Replies per input and agent; each repeat is judged in both orders. */
    repeats: z.number().int().positive().max(100).default(1),
    /** The judge's rubric text; default: helpfulness and correctness. */
    rubric: z.string().min(1).default(DEFAULT_SHADOW_RUBRIC),
    /** Largest shortfall of the win rate below ½ that still counts as "no worse". */
    margin: z.number().min(0).lt(0.5).default(0.05),
    /** One-sided error rate of a pass (and of a fail). */
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    /** Below this swap-consistency rate a pass is withheld: the judge mostly followed position. */
    min_consistency: z.number().min(0).max(1).default(0.5),
    /** Cron; unset: the job runs only from `goldwatch shadow`. */
    schedule: z.string().min(1).optional(),
    timezone: z.string().default("UTC"),
    concurrency: z.number().int().positive().max(100).default(4),
    enabled: z.boolean().default(true),
    budget,
  });
}

/** `shadow:` — sampling and jobs. */
export function shadowSchema<B extends z.ZodType>(budget: B) {
  return z.strictObject({
    sampling: sampling.prefault({}),
    jobs: z.record(z.string(), shadowJob(budget)).default({}),
  });
}

/** Every agent a shadow job names must exist, and shadow jobs need the judge. */
export function checkShadowAgents(
  cfg: { agents: Record<string, unknown>; judge?: unknown; shadow: { jobs: Record<string, { candidate: string; incumbent: string }> } },
  ctx: z.RefinementCtx,
): void {
  const known = Object.keys(cfg.agents).join(", ") || "none";
  for (const [name, job] of Object.entries(cfg.shadow.jobs)) {
    if (cfg.judge === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["shadow", "jobs", name],
        message: "a shadow job needs a judge: add a judge: section to the config",
      });
    }
    for (const field of ["candidate", "incumbent"] as const) {
      if (!(job[field] in cfg.agents)) {
        ctx.addIssue({
          code: "custom",
          path: ["shadow", "jobs", name, field],
          message: `unknown agent "${job[field]}" (agents defined: ${known})`,
        });
      }
    }
  }
}
