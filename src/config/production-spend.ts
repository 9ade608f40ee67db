import { z } from "zod";
import { positiveDuration } from "./duration.ts";

/** An absolute spend cap (priced USD; unpriced calls cannot count towards it). */
const cap = z
  .strictObject({
    usd_per_hour: z.number().positive().optional(),
    usd_per_minute: z.number().positive().optional(),
  })
  .refine((c) => c.usd_per_hour !== undefined || c.usd_per_minute !== undefined, "expected usd_per_hour or usd_per_minute");

/**
 * `production_spend:` the runaway-spend check over production spend (spend_minutes, filled by the
 * OTLP receiver). Every default is stated here.
 */
export const productionSpendSchema = z.strictObject({
  /** Check production spend at all (default true; with no spend rows a pass costs one empty query). */
  enabled: z.boolean().default(true),
  /** How often every active agent is checked (default 30s; the false-alarm budget is spread over these checks). */
  check_interval: positiveDuration.default(30_000).refine((ms) => ms >= 5_000, "expected a duration of at least 5s, like 30s"),
  /** False pages per agent per 30 days of in-control traffic the threshold is set for (default 1). */
  false_alarms_per_30_days: z.number().positive().max(100).default(1),
  /**
   * Spend must also be at least this multiple of its seasonal baseline to page (default 2.5):
   * busy agents' benign surges of about 2× are significant but no runaway (bench/spend-sim.ts).
   */
  min_ratio: z.number().min(1).default(2.5),
  severity: z.enum(["warning", "critical"]).default("critical"),
  /** The cap for agents without their own (default none). */
  default_cap: cap.optional(),
  /** Caps by agent name (the spans' gen_ai.agent.name, else service.name). */
  caps: z.record(z.string().min(1), cap).default({}),
});

export type ProductionSpendConfig = z.output<typeof productionSpendSchema>;
