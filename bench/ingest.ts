// `npm run bench -- ingest` (`--seconds=10 --concurrency=8 --batch=512`): sustained OTLP/HTTP
// ingest through the real route into a Postgres server (--url=..., else BENCH_DATABASE_URL,
// TEST_DATABASE_URL or the local test server; `--pglite` for the embedded database), for
// protobuf and JSON, plain and gzip. The spans are made and encoded by the OpenTelemetry SDK
// (agent turns: invoke_agent, three model calls, two tool calls, with the usual HTTP and
// resource attributes); a child process posts them. Prints spans/s per encoding, the decoders'
// own speed, and this process's peak RSS. Targets: ≥ 50,000 spans/s, peak RSS ≤ 250 MB.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT_CONTEXT, trace, type Span, type Tracer } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { systemClock } from "../src/clock.ts";
import { configSchema } from "../src/config/schema.ts";
import { decodeJson } from "../src/ingest/decode-json.ts";
import { decodeProtobuf } from "../src/ingest/decode-protobuf.ts";
import { startIngest } from "../src/ingest/index.ts";
import { USAGE_KEYS } from "../src/ingest/usage.ts";
import { silentLogger } from "../src/log.ts";
import { startHttpServer } from "../src/server/http.ts";
import { openDatabase, queryRows } from "../src/store/db.ts";
import { migrate } from "../src/store/migrate.ts";

const TOKEN = "bench-token";
const SPANS_PER_TURN = 6;
const CALLS_PER_TURN = 3;

function option(args: string[], name: string, fallback: number): number {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  const v = arg ? Number(arg.slice(name.length + 3)) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} expects a positive number, got ${arg}`);
  return v;
}

/** `turns` agent turns as the SDK records them. */
function recordTurns(turns: number): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": "checkout-svc",
      "service.version": "1.4.2",
      "host.name": "pod-7",
      "telemetry.sdk.language": "nodejs",
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer: Tracer = provider.getTracer("bench");
  const child = (name: string, parent: Span, attributes: Record<string, string | number>) =>
    tracer.startSpan(name, { attributes }, trace.setSpan(ROOT_CONTEXT, parent));
  const models = ["gpt-4o-2024-08-06", "claude-sonnet-4-20250514", "gpt-4.1-mini"];
  for (let t = 0; t < turns; t++) {
    const agent = `agent-${t % 5}`;
    const root = tracer.startSpan(`invoke_agent ${agent}`, {
      attributes: {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent,
        "gen_ai.provider.name": "openai",
        "http.route": "/chat",
      },
    });
    for (let c = 0; c < CALLS_PER_TURN; c++) {
      const model = models[(t + c) % models.length]!;
      const call = child(`chat ${model}`, root, {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": model.startsWith("claude") ? "anthropic" : "openai",
        "gen_ai.request.model": model,
        "gen_ai.response.model": model,
        "gen_ai.usage.input_tokens": 1200 + t,
        "gen_ai.usage.output_tokens": 150,
        "gen_ai.usage.cache_read.input_tokens": 800,
        "gen_ai.response.finish_reasons": "stop",
        "gen_ai.response.id": `chatcmpl-${t}-${c}`,
        "server.address": "api.openai.com",
        "server.port": 443,
      });
      call.end();
    }
    for (const tool of ["search_kb", "answer"])
      child(`execute_tool ${tool}`, root, { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool }).end();
    root.end();
  }
  return exporter.getFinishedSpans();
}

/** Posts `file` from a child process for `seconds`; the counts it reports. */
function load(opts: {
  url: string;
  file: string;
  contentType: string;
  gzip: boolean;
  seconds: number;
  concurrency: number;
}): Promise<{ ok: number; refused: number; other: number }> {
  return new Promise((resolve, reject) => {
    const script = path.join(import.meta.dirname, "ingest-load.ts");
    const args = [
      script,
      opts.url,
      TOKEN,
      opts.file,
      opts.contentType,
      opts.gzip ? "gzip" : "identity",
      String(opts.seconds),
      String(opts.concurrency),
    ];
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("error", reject);
    p.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out) as { ok: number; refused: number; other: number })
        : reject(new Error(`load generator exited ${code}`)),
    );
  });
}

function decodeSpeed(name: string, body: Buffer, spans: number, decode: (b: Buffer) => unknown): void {
  for (let i = 0; i < 20; i++) decode(body);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 1000) {
    decode(body);
    n++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `  decode only, ${name.padEnd(9)} ${Math.round((n * spans) / s).toLocaleString("en-US")} spans/s (${(body.length / spans).toFixed(0)} bytes/span)`,
  );
}

export async function run(args: string[]): Promise<void> {
  const seconds = option(args, "seconds", 10);
  const concurrency = option(args, "concurrency", 8);
  const batch = option(args, "batch", 512);
  const pglite = args.includes("--pglite");
  const url =
    args.find((a) => a.startsWith("--url="))?.slice(6) ??
    process.env.BENCH_DATABASE_URL ??
    process.env.TEST_DATABASE_URL ??
    "postgres://postgres@127.0.0.1:5432/test";
  const schema = `bench_ingest_${Date.now().toString(36)}`;
  const database = pglite ? await openDatabase({ schema }) : await openDatabase({ url, schema, maxConnections: 4 });
  await migrate(database.db);
  const dir = await mkdtemp(path.join(tmpdir(), "gw-ingest-bench-"));
  const rssPeak = { mb: 0 };
  const sampler = setInterval(() => (rssPeak.mb = Math.max(rssPeak.mb, process.memoryUsage().rss / 1e6)), 100);
  try {
    const spans = recordTurns(Math.ceil(batch / SPANS_PER_TURN)).slice(0, batch);
    const calls = spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat").length;
    const proto = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
    const wanted = new Set(USAGE_KEYS);
    console.log(`batch: ${spans.length} spans (${calls} model calls) per request; protobuf ${proto.length} B, JSON ${json.length} B`);
    decodeSpeed("protobuf", proto, spans.length, (b) => decodeProtobuf(b, wanted));
    decodeSpeed("JSON", json, spans.length, (b) => decodeJson(b, wanted));

    const config = configSchema.parse({ agents: {} }).ingest;
    const ingest = startIngest({
      db: database.db,
      clock: systemClock,
      log: silentLogger(),
      config: () => config,
      prices: () => ({}),
      token: TOKEN,
    });
    const http = await startHttpServer({ port: 0, host: "127.0.0.1", routes: ingest.routes, log: silentLogger() });
    const target = `http://127.0.0.1:${http.port}/v1/traces`;
    let accepted = 0;
    const cases = [
      { name: "protobuf", body: proto, contentType: "application/x-protobuf", gzip: false },
      { name: "protobuf+gzip", body: gzipSync(proto), contentType: "application/x-protobuf", gzip: true },
      { name: "JSON", body: json, contentType: "application/json", gzip: false },
      { name: "JSON+gzip", body: gzipSync(json), contentType: "application/json", gzip: true },
    ];
    console.log(`RSS before the load: ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
    console.log(
      `through POST /v1/traces into ${pglite ? "PGlite" : "Postgres"} (${seconds} s each, ${concurrency} connections, load generator in a child process):`,
    );
    for (const c of cases) {
      const file = path.join(dir, c.name);
      await writeFile(file, c.body);
      const t0 = performance.now();
      const counts = await load({ url: target, file, contentType: c.contentType, gzip: c.gzip, seconds, concurrency });
      const s = (performance.now() - t0) / 1000;
      accepted += counts.ok;
      const rate = Math.round((counts.ok * spans.length) / s);
      console.log(
        `  ${c.name.padEnd(14)} ${rate.toLocaleString("en-US").padStart(9)} spans/s  ${c.body.length.toLocaleString("en-US")} B/request  refused ${counts.refused}, other ${counts.other}  ${rate >= 50_000 ? "ok" : "BELOW 50,000"}`,
      );
    }
    await ingest.worker.stop();
    await http.stop();
    const [row] = await queryRows<{ calls: number }>(database.db, sql`select coalesce(sum(calls), 0)::bigint as calls from spend_minutes`);
    const stored = Number(row?.calls ?? 0);
    console.log(
      `stored: ${stored.toLocaleString("en-US")} model calls of ${(accepted * calls).toLocaleString("en-US")} accepted ${stored === accepted * calls ? "(all)" : "(MISMATCH)"}`,
    );
    const peak = Math.max(rssPeak.mb, process.resourceUsage().maxRSS / 1024);
    console.log(`peak RSS of the receiving process: ${peak.toFixed(0)} MB ${peak <= 250 ? "(≤ 250 MB)" : "(OVER 250 MB)"}`);
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
    if (!pglite) {
      const admin = postgres(url, { onnotice: () => {} });
      await admin.unsafe(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
    await database.close();
  }
}
