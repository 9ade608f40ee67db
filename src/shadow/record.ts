import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.ts";
import type { SamplingConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { inputText, prepareSample, type OfferedInput, type SkipReason } from "./sampling.ts";
import { insertSample } from "./store.ts";

/** What recording a sample needs; `sampling` is a getter so a config reload applies. */
export interface SampleDeps {
  db: Db;
  clock: Clock;
  sampling: () => SamplingConfig;
  log?: Logger;
}

/** What became of an offered input. */
export type RecordOutcome = { kept: true; id: string } | { kept: false; reason: SkipReason | "duplicate" | "error" };

/** Samples, redacts, de-duplicates and stores one offered input. */
export async function recordSample(deps: SampleDeps, offered: OfferedInput, at?: Date): Promise<RecordOutcome> {
  const prepared = prepareSample(offered, deps.sampling());
  if (!prepared.ok) return { kept: false, reason: prepared.reason };
  const id = randomUUID();
  const stored = await insertSample(deps.db, {
    id,
    agent: offered.agent,
    source: offered.source,
    traceId: offered.traceId ?? null,
    input: prepared.input,
    inputHash: prepared.inputHash,
    createdAt: at ?? deps.clock.now(),
  });
  return stored ? { kept: true, id } : { kept: false, reason: "duplicate" };
}

/** What the OTLP receiver hands over for a span that carries the user's input messages. */
export interface OtlpInput {
  traceId: string;
  agent: string;
  service?: string;
  /** The input: a string, or the GenAI input messages (`[{role, content}]`); the last user message is kept. */
  input: unknown;
  at: Date;
}

/**
 * The receiver's `onInput` callback: records a span's input as a sample. Never throws (a
 * database outage must not fail the export): failures are logged and answered as not kept.
 */
export function otlpInputRecorder(deps: SampleDeps): (input: OtlpInput) => Promise<RecordOutcome> {
  return async ({ traceId, agent, input, at }) => {
    const text = inputText(input);
    if (text === undefined) return { kept: false, reason: "empty" };
    try {
      return await recordSample(deps, { agent, source: "otlp", traceId, input: text }, at);
    } catch (e) {
      deps.log?.warn({ err: (e as Error).message, agent }, "could not store a sampled input");
      return { kept: false, reason: "error" };
    }
  };
}

/**
 * The receiver's hook as the service wires it: inputs are offered only while some shadow job
 * exists (`active`, read per span so a reload applies), at most `maxInFlight` stores at once (the
 * receiver calls it synchronously for every span carrying an input; a burst beyond that is
 * dropped, not queued, so ingest never waits on samples or grows memory). The GenAI input messages
 * arrive as JSON text: parsed, so the last user message is kept rather than the whole transcript.
 */
export function otlpSampleHook(
  deps: SampleDeps,
  opts: { active: () => boolean; maxInFlight?: number },
): (span: { traceId: string; agent: string; service?: string; input: string; at: Date }) => void {
  const record = otlpInputRecorder(deps);
  const max = opts.maxInFlight ?? 16;
  let inFlight = 0;
  return (span) => {
    if (inFlight >= max || !opts.active()) return;
    inFlight++;
    void record({ ...span, input: parsedInput(span.input) }).finally(() => inFlight--);
  };
}

function parsedInput(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== "[" && first !== "{") return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
