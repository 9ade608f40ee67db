import { z } from "zod";
import { isPinnedModel, unpinnedMessage } from "./pinned-judges.ts";
import { byteSize } from "./bytes.ts";
import { duration, positiveDuration } from "./duration.ts";
import { checkShadowAgents, shadowSchema } from "./shadow.ts";
import { productionSpendSchema } from "./production-spend.ts";

const pricing = z.strictObject({
  input_per_mtok: z.number().nonnegative(),
  output_per_mtok: z.number().nonnegative(),
  /** Prompt-cache reads (production spend); absent: the input price. */
  cache_read_per_mtok: z.number().nonnegative().optional(),
  /** Prompt-cache writes (production spend); absent: the input price. */
  cache_creation_per_mtok: z.number().nonnegative().optional(),
});

const jsonPath = z.string().regex(/^\$(\.[A-Za-z0-9_-]+|\[\d+\])*$/, "expected a JSON path like $.answer or $.choices[0].text");

/**
 * An http(s) URL for agents, the judge and notifications: fetch is never asked for another scheme
 * (Bun's fetch reads `file:` URLs from the local disk).
 */
const httpUrl = z.url({ protocol: /^https?$/, message: "expected an http(s) URL, like https://agent.internal/reply" });

/** Follow 3xx replies; off by default, so a redirect cannot re-send a request (and its body) to another host. */
const followRedirects = z.boolean().default(false);

/** Larger replies (counted decoded, after gzip) are an error of the trial, never read whole into memory. */
const maxResponseBytes = z
  .number()
  .int()
  .positive()
  .default(10 * 1024 * 1024);

const httpAgent = z
  .strictObject({
    kind: z.literal("http"),
    url: httpUrl,
    method: z.enum(["POST", "PUT"]).default("POST"),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().default({ input: "{{input}}" }),
    response: z
      .strictObject({
        output: jsonPath.default("$.output"),
        /** Streamed replies: a piece of the output per event, appended (token streaming). */
        output_delta: jsonPath.optional(),
        steps: jsonPath.optional(),
        input_tokens: jsonPath.optional(),
        output_tokens: jsonPath.optional(),
        model: jsonPath.optional(),
        fingerprint: jsonPath.optional(),
      })
      .default({ output: "$.output" }),
    /**
     * The reply streams as events (newline-delimited JSON, or server-sent events with JSON data):
     * the response paths are read on every event, so a trial budget stops a runaway reply mid-stream.
     */
    stream: z.enum(["ndjson", "sse"], { message: "expected ndjson or sse" }).optional(),
    pricing: pricing.optional(),
    timeout: positiveDuration.default(60_000),
    max_response_bytes: maxResponseBytes,
    follow_redirects: followRedirects,
  })
  .refine((a) => a.stream !== undefined || a.response.output_delta === undefined, {
    path: ["response", "output_delta"],
    message: "output_delta reads streamed events: set stream: ndjson or sse on this agent",
  });

const openaiAgent = z.strictObject({
  kind: z.literal("openai"),
  base_url: httpUrl,
  api_key: z.string().optional(),
  model: z.string().min(1),
  system: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  pricing: pricing.optional(),
  timeout: positiveDuration.default(60_000),
  max_response_bytes: maxResponseBytes,
  /** Stream the reply (SSE, with usage): the trial budget is checked per chunk and cancels the request mid-reply. */
  stream: z.boolean().default(false),
  follow_redirects: followRedirects,
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
  timeout: positiveDuration.default(10_000),
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
      ttl: positiveDuration.optional(),
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
  /** How late a slot may still start (after a restart or a database outage); older slots are missed. */
  grace: duration.default(5 * 60_000),
  budget: budget.default({ trial: {}, run: {} }),
  /** Replace personal data and secrets in stored outputs, steps and reasons; unset: the top-level `redact_pii`. */
  redact_pii: z.boolean().optional(),
  alerts: z
    .strictObject({
      /** Fixed floor: alert when the accuracy interval's upper bound is below it. */
      accuracy_below: z.number().min(0).max(1).optional(),
      /** Statistical accuracy detectors against the baseline: sudden drop, slow drift, flaky cases. */
      drift: z.boolean().default(true),
      /** Alert when cost per case grows at least this much over the baseline median (and beyond its noise). */
      spend_growth: z.number().gt(1, "expected a growth factor above 1, like 1.5").default(1.5),
      /** Alert when p95 latency grows at least this much over the baseline median (and beyond its noise). */
      latency_growth: z.number().gt(1, "expected a growth factor above 1, like 1.5").default(1.5),
      /** "Agent down" when more than this share of trials get no usable reply. */
      error_rate_above: z.number().min(0).max(1).default(0.2),
      /** Expected runs per false alert, all detectors together; default: a month of runs, at least 720. */
      false_alarm_runs: z.number().int().min(20).optional(),
      /** Completed runs (same golden set and judge) the baseline is made of. */
      baseline_runs: z.number().int().min(6).max(1000).default(48),
    })
    .prefault({}),
});

const judgeSchema = z.strictObject({
  base_url: httpUrl,
  api_key: z.string().optional(),
  /** Must be pinned (a dated snapshot or version, never `latest`): it is recorded with every verdict. */
  model: z
    .string()
    .min(1)
    .refine(isPinnedModel, { error: (iss) => unpinnedMessage(String(iss.input)) }),
  timeout: positiveDuration.default(60_000),
  pricing: pricing.optional(),
  /** `json_schema` (structured outputs) or `json_object` for endpoints without them. */
  response_format: z.enum(["json_schema", "json_object"]).default("json_schema"),
});

const notifySchema = z.strictObject({
  /** Consecutive runs a finding must be present before its alert fires (default 1). */
  for: z.number().int().positive().default(1),
  /** Consecutive clear runs before a firing alert resolves (default 2), so flapping does not page. */
  keep_firing_for: z.number().int().positive().default(2),
  /** Reminder for an alert that stays firing (default 4h). */
  repeat_interval: positiveDuration.default(4 * 3_600_000),
  slack: z
    .strictObject({
      token: z.string().min(1),
      channel: z.string().min(1),
      /** Web API base, for GovSlack or a gateway (default https://slack.com/api/). */
      api_url: httpUrl.optional(),
      timeout: positiveDuration.default(10_000),
    })
    .optional(),
  pagerduty: z
    .strictObject({
      routing_key: z.string().min(1),
      /** Events API base, e.g. https://events.eu.pagerduty.com for the EU region. */
      api_url: httpUrl.optional(),
      timeout: positiveDuration.default(10_000),
    })
    .optional(),
  webhook: z
    .strictObject({ url: httpUrl, headers: z.record(z.string(), z.string()).default({}), timeout: positiveDuration.default(10_000) })
    .optional(),
  /** Alerts as log lines; on by default when no other channel is configured. */
  console: z.boolean().optional(),
  /** The outbox worker (every replica runs one; rows are claimed one replica at a time). */
  delivery: z
    .strictObject({
      poll_interval: positiveDuration.default(2_000),
      /** How long a claimed row stays leased to one replica while it sends. */
      lease: positiveDuration.default(60_000),
      max_backoff: positiveDuration.default(15 * 60_000),
      /** A notification still failing after this long is marked failed (kept in alert_outbox). */
      give_up_after: positiveDuration.default(24 * 3_600_000),
      /** How long `goldwatch run` waits to deliver what it queued before exiting. */
      drain_timeout: duration.default(15_000),
    })
    .prefault({}),
});

/** The OTLP/HTTP receiver (`POST /v1/traces`, on with GOLDWATCH_INGEST_TOKEN): limits and flushing. */
const ingestSchema = z
  .strictObject({
    /** Largest request body as sent (compressed), default 4MiB; larger: 413. */
    max_request_bytes: byteSize.default(4 * 1_048_576),
    /** Largest body once gunzipped, default 32MiB; larger: 413 (a zip bomb stops here). */
    max_decompressed_bytes: byteSize.default(32 * 1_048_576),
    /** Request bytes held at once across concurrent requests, default 64MiB; beyond: 429. */
    max_inflight_bytes: byteSize.default(64 * 1_048_576),
    /** How often aggregated spend is written to spend_minutes, default 5s. */
    flush_interval: positiveDuration.default(5_000),
    /** Aggregated rows held before new requests are refused with 503 (default 20000). */
    max_pending_rows: z.number().int().min(1).default(20_000),
    /** Share of traces whose GenAI spans are kept in ingest_raw_spans for debugging (0..1, default 0: none). */
    sample_raw_spans: z.number().min(0).max(1).default(0),
    /** How long sampled spans are kept (default 7d). */
    raw_span_retention: positiveDuration.default(7 * 86_400_000),
  })
  .superRefine((c, ctx) => {
    if (c.max_decompressed_bytes < c.max_request_bytes)
      ctx.addIssue({ code: "custom", path: ["max_decompressed_bytes"], message: "expected at least max_request_bytes" });
    if (c.max_inflight_bytes < c.max_request_bytes + c.max_decompressed_bytes)
      ctx.addIssue({
        code: "custom",
        path: ["max_inflight_bytes"],
        message: "expected at least max_request_bytes + max_decompressed_bytes (one request's worth)",
      });
  });

/** The whole `goldwatch.config.yaml`, after `${VAR}` interpolation. */
export const configSchema = z
  .strictObject({
    database: z.string().default(""),
    agents: z.record(z.string(), agentSchema),
    judge: judgeSchema.optional(),
    /** Model prices (USD per million tokens) that override or extend the built-in table in src/pricing.ts. */
    pricing: z.record(z.string().min(1), pricing).default({}),
    /** Default for every job's `redact_pii` (personal data and secrets replaced in stored trials). */
    redact_pii: z.boolean().default(false),
    jobs: z.record(z.string(), jobSchema).default({}),
    /** Shadow evaluation: sampled production inputs, candidate against incumbent, judged pairwise (src/config/shadow.ts). */
    shadow: shadowSchema(budget.default({ trial: {}, run: {} })).prefault({}),
    notify: notifySchema.prefault({}),
    ingest: ingestSchema.prefault({}),
    /** Runaway production spend (src/config/production-spend.ts). */
    production_spend: productionSpendSchema.prefault({}),
    server: z
      .strictObject({
        port: z.number().int().min(0).max(65535).default(8080),
        /**
         * Interface to listen on; unset: every interface (IPv4 and IPv6), which a container needs for
         * its port to be published. Set 127.0.0.1 on a shared host or behind a local proxy.
         */
        host: z.string().min(1, "expected an address like 127.0.0.1 or 0.0.0.0").optional(),
        /** Base URL of the dashboard, linked from alerts (e.g. https://goldwatch.internal). */
        public_url: httpUrl.optional(),
        /** On SIGTERM, how long running runs may take to finish before they are aborted (default 25s). */
        shutdown_grace: duration.default(25_000),
        /** A run without a heartbeat for this long is aborted by any replica (default 2m); heartbeats go every quarter of it. */
        heartbeat_timeout: duration.default(120_000).refine((ms) => ms >= 2_000, "expected a duration of at least 2s, like 2m"),
      })
      .prefault({}),
    /** Where the embedded database lives when `database` is empty (relative to the config file). */
    data_dir: z.string().default(".goldwatch"),
    /** How long trial rows (default 90d; whole months are dropped) and delivered notifications (30d) are kept; run rows stay forever. */
    retention: z
      .strictObject({
        trials: duration.default(90 * 86_400_000).refine((ms) => ms >= 86_400_000, "expected a duration of at least 1d, like 90d"),
        /** Sent and failed notifications in alert_outbox (pending ones stay until delivered). */
        notifications: duration.default(30 * 86_400_000).refine((ms) => ms >= 86_400_000, "expected a duration of at least 1d, like 30d"),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    checkShadowAgents(cfg, ctx);
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
export type ShadowConfig = z.output<typeof configSchema>["shadow"];
export type ShadowJobConfig = ShadowConfig["jobs"][string];
export type SamplingConfig = ShadowConfig["sampling"];
export type Config = z.output<typeof configSchema>;
export type IngestConfig = z.output<typeof ingestSchema>;
