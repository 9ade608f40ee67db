import { z } from "zod";

/** One sample as a JSONL line or a POST /api/samples item: the input, and optionally its agent and trace id. */
export const sampleInputSchema = z.strictObject({
  input: z.string().min(1, "expected the user's input text"),
  agent: z.string().min(1).optional(),
  trace_id: z.string().min(1).optional(),
});
export type SampleInput = z.output<typeof sampleInputSchema>;

/** The body of POST /api/samples: one sample or `{samples: [...]}` (at most 1,000). */
export const samplesBodySchema = z.union([sampleInputSchema, z.strictObject({ samples: z.array(sampleInputSchema).min(1).max(1_000) })]);

/** "samples.0.input: expected …" from a zod error. */
export const zodMessage = (e: z.ZodError): string =>
  e.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ");
