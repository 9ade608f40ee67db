import { z } from "zod";
import { duration } from "../config/duration.ts";
import { formatPath } from "../config/errors.ts";
import { matcherSchema, parseMatcher, type Matcher } from "./silence-matchers.ts";
import type { NewSilence } from "./store.ts";

/** A matcher given as `job=support-hourly` or as `{name, op, value}`. */
const matcherInput = z.union([matcherSchema, z.string()]).transform((m, ctx): Matcher => {
  if (typeof m !== "string") return m;
  const parsed = parseMatcher(m);
  if (typeof parsed === "string") {
    ctx.addIssue({ code: "custom", message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** The body of `POST /api/silences` (and what `goldwatch silence` builds). */
export const silenceInputSchema = z
  .strictObject({
    matchers: z.array(matcherInput).min(1, "expected at least one matcher, e.g. job=support-hourly"),
    /** How long from now (or from starts_at), e.g. 2h; or give ends_at. */
    duration: duration.optional(),
    starts_at: z.iso.datetime({ offset: true, message: "expected an ISO 8601 time like 2025-06-01T12:00:00Z" }).optional(),
    ends_at: z.iso.datetime({ offset: true, message: "expected an ISO 8601 time like 2025-06-01T14:00:00Z" }).optional(),
    comment: z.string().max(1000).default(""),
    created_by: z.string().max(200).default(""),
  })
  .refine((s) => (s.duration === undefined) !== (s.ends_at === undefined), {
    message: "expected exactly one of duration (e.g. 2h) or ends_at",
    path: ["duration"],
  })
  .refine((s) => s.duration === undefined || s.duration > 0, { message: "expected a duration above zero", path: ["duration"] });

/** Validates a silence request against `now`; returns the silence, or messages naming each bad field. */
export function parseSilenceInput(raw: unknown, now: Date): { ok: true; silence: NewSilence } | { ok: false; errors: string[] } {
  const parsed = silenceInputSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${formatPath(i.path) || "body"}: ${i.message}`) };
  }
  const s = parsed.data;
  const startsAt = s.starts_at ? new Date(s.starts_at) : now;
  const endsAt = s.ends_at ? new Date(s.ends_at) : new Date(startsAt.getTime() + s.duration!);
  if (endsAt.getTime() <= Math.max(startsAt.getTime(), now.getTime())) {
    return { ok: false, errors: ["ends_at: expected a time after starts_at and after now"] };
  }
  return { ok: true, silence: { matchers: s.matchers, startsAt, endsAt, comment: s.comment, createdBy: s.created_by } };
}
