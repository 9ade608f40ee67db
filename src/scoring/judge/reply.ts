import { z } from "zod";

/** The judge's answer: reason first (so it reasons before deciding), then verdict and score. */
export const verdictSchema = z.object({
  reason: z.string().min(1),
  verdict: z.enum(["pass", "fail"]),
  score: z.number().min(0).max(10),
});
export type VerdictReply = z.output<typeof verdictSchema>;

/** `response_format` for endpoints with structured outputs: the same shape as `verdictSchema`. */
export const VERDICT_JSON_SCHEMA = {
  type: "json_schema",
  json_schema: {
    name: "verdict",
    strict: true,
    schema: {
      type: "object",
      properties: {
        reason: { type: "string" },
        verdict: { type: "string", enum: ["pass", "fail"] },
        score: { type: "number" },
      },
      required: ["reason", "verdict", "score"],
      additionalProperties: false,
    },
  },
} as const;

/** Parses the judge's message content; a message that does not fit says why. Pure. */
export function parseVerdict(content: string): { ok: true; value: VerdictReply } | { ok: false; error: string } {
  // Some endpoints wrap JSON in a Markdown fence even when asked not to.
  const text = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, "$1");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const flat = text.replace(/\s+/g, " ");
    return { ok: false, error: `judge reply is not JSON: ${flat.length > 80 ? `${flat.slice(0, 80)}…` : flat}` };
  }
  const parsed = verdictSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return { ok: false, error: `judge reply does not fit the verdict schema: ${first.path.join(".") || "(root)"}: ${first.message}` };
  }
  return { ok: true, value: parsed.data };
}
