import { z } from "zod";
import { duration } from "./duration.ts";

const pricing = z.strictObject({
  input_per_mtok: z.number().nonnegative(),
  output_per_mtok: z.number().nonnegative(),
});

const jsonPath = z.string().regex(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])*$/, "expected a JSON path like $.answer or $.choices[0].text");

const httpAgent = z.strictObject({
  kind: z.literal("http"),
  url: z.url({ message: "expected an http(s) URL" }),
  method: z.enum(["POST", "PUT"]).default("POST"),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.unknown().default({ input: "{{input}}" }),
  response: z
    .strictObject({
      output: jsonPath.default("$.output"),
      steps: jsonPath.optional(),
      input_tokens: jsonPath.optional(),
      output_tokens: jsonPath.optional(),
      model: jsonPath.optional(),
      fingerprint: jsonPath.optional(),
    })
    .default({ output: "$.output" }),
  pricing: pricing.optional(),
  timeout: duration.default(60_000),
  max_response_bytes: z.number().int().positive().default(10 * 1024 * 1024),
});

const openaiAgent = z.strictObject({
  kind: z.literal("openai"),
  base_url: z.url({ message: "expected an http(s) URL" }),
  api_key: z.string().optional(),
  model: z.string().min(1),
  system: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  pricing: pricing.optional(),
  timeout: duration.default(60_000),
  max_response_bytes: z.number().int().positive().default(10 * 1024 * 1024),
});

const demoAgent = z.strictObject({
  kind: z.literal("demo"),
  /** Probability that the demo bot answers a case correctly (lower it to watch an alert fire). */
  quality: z.number().min(0).max(1).default(0.97),
  /** Multiplies the tokens the demo bot spends (raise it to watch a spend alert). */
  cost_multiplier: z.number().positive().default(1),
  /** Simulated thinking time per call. */
  latency: duration.default(20),
  /** Probability that a call fails like a 500 would. */
  error_rate: z.number().min(0).max(1).default(0),
  model: z.string().default("demo-support-1.0"),
  pricing: pricing.default({ input_per_mtok: 3, output_per_mtok: 15 }),
  timeout: duration.default(10_000),
});

export const agentSchema = z.discriminatedUnion("kind", [httpAgent, openaiAgent, demoAgent], {
  error: () => "expected an agent with kind: http, openai or demo",
});

const budget = z.strictObject({
  trial: z
    .strictObject({
      tokens: z.number().int().positive().optional(),
      usd: z.number().positive().optional(),
      steps: z.number().int().positive().optional(),
      ttl: duration.optional(),
    })
    .default({}),
  run: z.strictObject({ usd: z.number().positive().optional() }).default({}),
});

const jobSchema = z.strictObject({
  agent: z.string().min(1),
  golden: z.string().min(1),
  schedule: z.string().min(1),
  timezone: z.string().default("UTC"),
  repeats: z.number().int().positive().max(10_000).default(5),
  concurrency: z.number().int().positive().max(1_000).default(4),
  enabled: z.boolean().default(true),
  /** Missed slots after downtime to run on start (0: skip them, recorded as missed). */
  catch_up: z.number().int().nonnegative().default(0),
  budget: budget.default({ trial: {}, run: {} }),
  alerts: z
    .strictObject({
      accuracy_below: z.number().min(0).max(1).optional(),
      drift: z.boolean().default(true),
      spend_growth: z.number().positive().optional(),
    })
    .default({ drift: true }),
});

const judgeSchema = z.strictObject({
  base_url: z.url({ message: "expected an http(s) URL" }),
  api_key: z.string().optional(),
  model: z.string().min(1),
  timeout: duration.default(60_000),
  pricing: pricing.optional(),
});

const notifySchema = z.strictObject({
  slack: z
    .strictObject({ token: z.string().min(1), channel: z.string().min(1), api_url: z.url().optional() })
    .optional(),
  pagerduty: z.strictObject({ routing_key: z.string().min(1), api_url: z.url().optional() }).optional(),
  webhook: z.strictObject({ url: z.url(), headers: z.record(z.string(), z.string()).default({}) }).optional(),
  console: z.boolean().default(true),
});

/** The whole `goldwatch.config.yaml`, after `${VAR}` interpolation. */
export const configSchema = z
  .strictObject({
    database: z.string().default(""),
    agents: z.record(z.string(), agentSchema),
    judge: judgeSchema.optional(),
    jobs: z.record(z.string(), jobSchema).default({}),
    notify: notifySchema.default({ console: true }),
    server: z.strictObject({ port: z.number().int().min(0).max(65535).default(8080) }).default({ port: 8080 }),
    /** Where the embedded database lives when `database` is empty (relative to the config file). */
    data_dir: z.string().default(".goldwatch"),
  })
  .superRefine((cfg, ctx) => {
    for (const [name, job] of Object.entries(cfg.jobs)) {
      if (!(job.agent in cfg.agents)) {
        const known = Object.keys(cfg.agents).join(", ") || "none";
        ctx.addIssue({
          code: "custom",
          path: ["jobs", name, "agent"],
          message: `unknown agent "${job.agent}" (agents defined: ${known})`,
        });
      }
    }
  });

export type AgentConfig = z.output<typeof agentSchema>;
export type HttpAgentConfig = z.output<typeof httpAgent>;
export type OpenAiAgentConfig = z.output<typeof openaiAgent>;
export type DemoAgentConfig = z.output<typeof demoAgent>;
export type JobConfig = z.output<typeof jobSchema>;
export type JudgeConfig = z.output<typeof judgeSchema>;
export type NotifyConfig = z.output<typeof notifySchema>;
export type Config = z.output<typeof configSchema>;
