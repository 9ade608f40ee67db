import { ROOT_CONTEXT, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { z } from "zod";
import { configSchema, type IngestConfig } from "../../src/config/schema.ts";

export type Protocol = "json" | "proto";

/** The OpenTelemetry SDK as an application runs it, exporting over OTLP/HTTP to `url`. */
export function otelSdk(opts: { url: string; token?: string; protocol: Protocol; gzip?: boolean; service?: string }) {
  const Exporter = opts.protocol === "json" ? JsonExporter : ProtoExporter;
  const exporter = new Exporter({
    url: opts.url,
    headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
    compression: opts.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
  });
  // One batch per forceFlush, so a trace's spans travel in one request (as a BatchSpanProcessor does).
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": opts.service ?? "checkout-svc" }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, { maxExportBatchSize: 10_000, maxQueueSize: 20_000, scheduledDelayMillis: 3_600_000 }),
    ],
  });
  return { tracer: provider.getTracer("test"), flush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

/** Spans recorded in memory (for serializing them with the SDK's own OTLP serializers). */
export function memorySdk(service = "checkout-svc") {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { tracer: provider.getTracer("test"), spans: (): ReadableSpan[] => exporter.getFinishedSpans() };
}

export const AT = new Date("2026-11-02T10:15:30Z");

/** A span under `parent` (or a root), ended at `at`. */
export function span(tracer: Tracer, name: string, attributes: Attributes, parent?: Span, at: Date = AT): Span {
  const ctx = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
  return tracer.startSpan(name, { attributes, startTime: new Date(at.getTime() - 1_000) }, ctx);
}

/** A model call's attributes (GenAI semconv). */
export const chat = (model: string, input: number, output: number, extra: Attributes = {}): Attributes => ({
  "gen_ai.operation.name": "chat",
  "gen_ai.provider.name": "openai",
  "gen_ai.request.model": model,
  "gen_ai.response.model": model,
  "gen_ai.usage.input_tokens": input,
  "gen_ai.usage.output_tokens": output,
  ...extra,
});

/**
 * One agent turn: invoke_agent `agent` with two chat calls under it (one nested under a tool
 * span), all ended at `at`. Tokens: 1000+200 in, 100+20 out on gpt-4o.
 */
export function agentTurn(tracer: Tracer, agent: string, at: Date = AT): void {
  const root = span(
    tracer,
    `invoke_agent ${agent}`,
    {
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.agent.name": agent,
      "gen_ai.usage.input_tokens": 1200,
      "gen_ai.usage.output_tokens": 120,
    },
    undefined,
    at,
  );
  const c1 = span(tracer, "chat gpt-4o", chat("gpt-4o-2024-08-06", 1000, 100), root, at);
  c1.end(at);
  const tool = span(tracer, "execute_tool search", { "gen_ai.operation.name": "execute_tool" }, root, at);
  const c2 = span(tracer, "chat gpt-4o", chat("gpt-4o-2024-08-06", 200, 20), tool, at);
  c2.end(at);
  tool.end(at);
  root.end(at);
}

/** The `ingest:` config with defaults, overridden by `over`. */
export function ingestConfig(over: z.input<typeof configSchema>["ingest"] = {}): IngestConfig {
  return configSchema.parse({ agents: {}, ingest: over }).ingest;
}
