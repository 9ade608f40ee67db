import { createApp, shadowDeps } from "../app.ts";
import { createLogger, terminalDestination } from "../log.ts";
import { roundForDisplay } from "../round.ts";
import { formatShadow } from "../shadow/format.ts";
import { runShadow, type ShadowResult } from "../shadow/run-shadow.ts";
import { openStore } from "../store/open.ts";
import { handleInterrupts } from "./interrupts.ts";
import type { Command } from "./types.ts";

/** Exit codes of `goldwatch shadow`, as `gate`'s: 0 pass, 1 fail, 2 inconclusive, 3 error (bad input included). */
export const SHADOW_EXIT = { pass: 0, fail: 1, inconclusive: 2, error: 3 } as const;

/** The report for CI: the decision, its exit code and every figure. */
function toJson(r: ShadowResult) {
  const exitCode = r.status === "completed" ? SHADOW_EXIT[r.summary.decision.decision] : SHADOW_EXIT.error;
  return { ok: r.status === "completed", decision: r.summary.decision.decision, exitCode, ...r };
}

export const shadowCommand: Command = {
  summary:
    "shadow evaluation once: candidate vs incumbent on sampled production inputs, judged pairwise (shadow <job> [--candidate <agent>]); exit 0 pass, 1 fail, 2 inconclusive, 3 error",
  options: { candidate: { type: "string" } },
  badInputExit: SHADOW_EXIT.error,
  async run({ loaded, args, options, json }) {
    const fail = (message: string) => {
      if (json) process.stdout.write(`${JSON.stringify({ ok: false, exitCode: SHADOW_EXIT.error, error: message }, null, 2)}\n`);
      process.stderr.write(`goldwatch shadow: ${message}\n`);
      return SHADOW_EXIT.error;
    };
    const jobName = args[0];
    if (!jobName) return fail("usage: goldwatch shadow <job> [--candidate <agent>] [--json]");
    const job = loaded.config.shadow.jobs[jobName];
    if (!job)
      return fail(
        `unknown shadow job "${jobName}" (shadow jobs in ${loaded.file}: ${Object.keys(loaded.config.shadow.jobs).join(", ") || "none"})`,
      );
    const candidate = typeof options.candidate === "string" ? options.candidate : undefined;
    if (candidate !== undefined && !loaded.config.agents[candidate])
      return fail(`unknown candidate agent "${candidate}" (agents in ${loaded.file}: ${Object.keys(loaded.config.agents).join(", ")})`);
    const log = createLogger({ secrets: loaded.secrets, destination: terminalDestination(2), level: process.env.LOG_LEVEL ?? "warn" });
    const interrupts = handleInterrupts(log, loaded.secrets, "the shadow run");
    let database;
    try {
      database = await openStore(loaded);
      const app = createApp(loaded, database, log);
      const result = await runShadow(shadowDeps(app), {
        jobName,
        job,
        ...(candidate ? { candidate } : {}),
        trigger: "manual",
        signal: interrupts.signal,
      });
      process.stdout.write(json ? `${JSON.stringify(roundForDisplay(toJson(result)), null, 2)}\n` : `${formatShadow(result)}\n`);
      if (result.status !== "completed") {
        process.stderr.write("goldwatch shadow: the run budget ran out before every pair was judged; no decision on a partial run\n");
        return SHADOW_EXIT.error;
      }
      return SHADOW_EXIT[result.summary.decision.decision];
    } catch (e) {
      return fail(loaded.secrets.redact((e as Error).message));
    } finally {
      interrupts.dispose();
      await database?.close();
    }
  },
};
