import type { PriceTable } from "../pricing.ts";
import { callCost } from "./price.ts";
import type { AttrValue, DecodedRequest, DecodedSpan } from "./span.ts";
import { INPUT_KEYS, spanInput, spanRole, type SpanRole, type SpanUsage } from "./usage.ts";

/** One model call's contribution to a spend_minutes row: the span's usage, attributed and priced. */
export interface SpendRecord extends Pick<
  SpanUsage,
  "provider" | "model" | "inputTokens" | "outputTokens" | "cacheReadTokens" | "cacheCreationTokens"
> {
  /** Start of the minute (ms since the epoch, UTC) the call ended in. */
  minuteMs: number;
  agent: string;
  service: string;
  /** USD; 0 when unpriced. */
  cost: number;
  unpriced: boolean;
}

/** A span's input for shadow sampling (see IngestDeps.onInput). */
export interface SpanInput {
  traceId: string;
  agent: string;
  service: string;
  input: string;
  at: Date;
}

/** A sampled GenAI span as ingest_raw_spans keeps it (see `ingest.sample_raw_spans`). */
export interface RawSpan {
  at: Date;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  kind: "inference" | "agent" | "rejected";
  agent: string | null;
  model: string | null;
  cost: number | null;
  unpriced: boolean | null;
  reason: string | null;
  /** What was read of the span, input messages left out. */
  attributes: Record<string, AttrValue>;
}

/** Whether a trace is in a `rate` sample: by its id's last 32 bits, so every replica keeps the same whole traces. */
export function sampledTrace(traceId: string, rate: number): boolean {
  if (rate <= 0) return false;
  return rate >= 1 || Number.parseInt(traceId.slice(-8), 16) / 4294967296 < rate;
}

const INPUTS = new Set<string>(INPUT_KEYS);

function rawSpan(span: DecodedSpan, service: string, fields: Pick<RawSpan, "kind"> & Partial<RawSpan>): RawSpan {
  const attributes: Record<string, AttrValue> = {};
  for (const [k, v] of span.attrs) if (!INPUTS.has(k)) attributes[k] = v;
  return {
    at: new Date(span.atMs),
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    service,
    agent: null,
    model: null,
    cost: null,
    unpriced: null,
    reason: null,
    attributes,
    ...fields,
  };
}

export interface WalkResult {
  records: SpendRecord[];
  rejected: number;
  reasons: string[];
}

/** How far up the parent chain an agent is looked for (cycles and absurd depths stop here). */
const MAX_ANCESTORS = 64;
// Spans dated outside [2000-01-01, now + 1 day] are rejected: a clock at 0 or far in the future
// would otherwise open buckets no query looks at.
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const FUTURE_MS = 86_400_000;

/**
 * Turns one request body's spans into spend records. Each model call is attributed to the agent
 * of its nearest invoke_agent ancestor within the same body; when the chain leaves the body (a
 * parent exported in another request) or holds no agent, to the call's own gen_ai.agent.name,
 * else the resource's service.name. Pure apart from `onInput`.
 */
export function walkSpans(
  req: DecodedRequest,
  opts: {
    prices: PriceTable;
    nowMs: number;
    onInput?: ((s: SpanInput) => void) | undefined;
    /** Share of traces whose GenAI spans go to `onSample` (default 0). */
    sampleRate?: number;
    onSample?: ((s: RawSpan) => void) | undefined;
  },
): WalkResult {
  const out: WalkResult = { records: [], rejected: req.rejected, reasons: [...req.reasons] };
  const rejectSpan = (reason: string) => {
    out.rejected++;
    if (out.reasons.length < 3 && !out.reasons.includes(reason)) out.reasons.push(reason);
  };
  const byId = new Map<string, { span: DecodedSpan; role: SpanRole }>();
  for (const res of req.resources) for (const span of res.spans) byId.set(span.spanId, { span, role: spanRole(span.attrs) });

  const ancestorAgent = (span: DecodedSpan): string | undefined => {
    let parent = span.parentSpanId;
    for (let depth = 0; parent !== "" && depth < MAX_ANCESTORS; depth++) {
      const p = byId.get(parent);
      if (!p || p.span.traceId !== span.traceId) return undefined;
      if (p.role.kind === "agent" && p.role.name) return p.role.name;
      parent = p.span.parentSpanId;
    }
    return undefined;
  };

  for (const res of req.resources) {
    for (const span of res.spans) {
      const { role } = byId.get(span.spanId)!;
      if (role.kind === "other") continue;
      const sample = opts.onSample && sampledTrace(span.traceId, opts.sampleRate ?? 0) ? opts.onSample : undefined;
      const reason =
        role.kind === "invalid"
          ? role.reason
          : span.atMs < EARLIEST_MS || span.atMs > opts.nowMs + FUTURE_MS
            ? "GenAI span time missing or out of range (before 2000 or over a day ahead)"
            : undefined;
      if (role.kind === "invalid" || reason !== undefined) {
        const why = reason ?? "invalid span";
        rejectSpan(why);
        sample?.(rawSpan(span, res.service, { kind: "rejected", reason: why }));
        continue;
      }
      const agent =
        role.kind === "agent"
          ? (role.name ?? ancestorAgent(span) ?? res.service)
          : (ancestorAgent(span) ?? role.usage.ownAgent ?? res.service);
      if (opts.onInput) {
        const input = spanInput(span.attrs);
        if (input !== undefined) opts.onInput({ traceId: span.traceId, agent, service: res.service, input, at: new Date(span.atMs) });
      }
      if (role.kind === "agent") {
        sample?.(rawSpan(span, res.service, { kind: "agent", agent }));
        continue;
      }
      const u = role.usage;
      const cost = callCost(u, opts.prices);
      sample?.(rawSpan(span, res.service, { kind: "inference", agent, model: u.model, cost: cost ?? null, unpriced: cost === undefined }));
      out.records.push({
        minuteMs: span.atMs - (span.atMs % 60_000),
        agent,
        service: res.service,
        provider: u.provider,
        model: u.model,
        inputTokens: u.inputTokens,
        outputTokens: u.outputTokens,
        cacheReadTokens: u.cacheReadTokens,
        cacheCreationTokens: u.cacheCreationTokens,
        cost: cost ?? 0,
        unpriced: cost === undefined,
      });
    }
  }
  return out;
}
