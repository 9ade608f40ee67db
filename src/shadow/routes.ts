import { bearerGuard } from "../server/auth.ts";
import { HttpError, readJson, sendJson } from "../server/respond.ts";
import type { Routes } from "../server/router.ts";
import { samplesBodySchema, zodMessage } from "./input.ts";
import { count } from "./jsonl.ts";
import { recordSample, type SampleDeps } from "./record.ts";

/** Inputs are at most the sampling limit (20,000 characters by default); 1,000 of them fit in 32 MB. */
const MAX_BODY = 32 * 1024 * 1024;

/**
 * `POST /api/samples` (bearer GOLDWATCH_API_TOKEN, like the run trigger): one sample
 * `{input, agent, trace_id?}` or `{samples: [...]}`; answers 200 with how many were kept, were
 * duplicates, or were skipped by the sampling rules. Every item needs an agent.
 */
export function sampleRoutes(deps: SampleDeps, opts: { apiToken: string | undefined }): Routes {
  return {
    "POST /api/samples": bearerGuard(opts.apiToken, async (req, res) => {
      let body: unknown;
      try {
        body = await readJson(req, MAX_BODY);
      } catch (e) {
        if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
        throw e;
      }
      const parsed = samplesBodySchema.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { error: zodMessage(parsed.error) });
      const items = "samples" in parsed.data ? parsed.data.samples : [parsed.data];
      const missing = items.findIndex((i) => i.agent === undefined);
      if (missing >= 0)
        return sendJson(res, 400, {
          error: `${"samples" in parsed.data ? `samples.${missing}.` : ""}agent: expected the agent whose input this is`,
        });
      const result = { kept: 0, duplicates: 0, skipped: 0 };
      for (const i of items) {
        count(
          result,
          await recordSample(deps, { agent: i.agent!, source: "api", input: i.input, ...(i.trace_id ? { traceId: i.trace_id } : {}) }),
        );
      }
      sendJson(res, 200, { received: items.length, ...result });
    }),
  };
}
