/** An attribute value as the receiver keeps it (arrays and maps are kept only for input messages, as JSON text). */
export type AttrValue = string | number | boolean;

/** The parts of one span the receiver reads; every other field of the span is skipped. */
export interface DecodedSpan {
  /** Lowercase hex (32 characters). */
  traceId: string;
  /** Lowercase hex (16 characters). */
  spanId: string;
  /** Lowercase hex, "" for a root span. */
  parentSpanId: string;
  /** End time (else start time) in ms since the epoch; 0 when neither was given. */
  atMs: number;
  /** Only the attributes named in the decoder's wanted set. */
  attrs: Map<string, AttrValue>;
}

/** One ResourceSpans: its service.name and its spans (scopes flattened). */
export interface DecodedResource {
  service: string;
  spans: DecodedSpan[];
}

/** A decoded export request; spans that could not be read are counted, with the first reason. */
export interface DecodedRequest {
  resources: DecodedResource[];
  rejected: number;
  /** Why spans were rejected (the first few reasons), for partialSuccess.errorMessage. */
  reasons: string[];
}

/** Raised for a body that cannot be decoded at all (400 Bad Request). */
export class BadData extends Error {
  override name = "BadData";
}

/** Records a rejected span's reason, keeping the first three distinct ones. */
export function reject(out: DecodedRequest, reason: string): void {
  out.rejected++;
  if (out.reasons.length < 3 && !out.reasons.includes(reason)) out.reasons.push(reason);
}

const NANOS_PER_MS = 1e6;

/** A nanosecond timestamp given as two 32-bit halves, in ms. */
export const nanosToMs = (hi: number, lo: number): number => Math.floor((hi * 4294967296 + lo) / NANOS_PER_MS);
