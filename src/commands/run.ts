import { createApp, deliveryDeps, runJob, type App } from "../app.ts";
import { spillDir } from "../store/spill.ts";
import { createLogger, terminalDestination } from "../log.ts";
import { deliverQueued } from "../notify/delivery.ts";
import { repeatsForDrop } from "../engine/summary.ts";
import { DEFAULT_DETECT, formatSummary } from "../report/format-summary.ts";
import { roundForDisplay } from "../round.ts";
import { describeDbError } from "../store/errors.ts";
import { openStore, preparePartitions } from "../store/open.ts";
import { reapDeadRuns } from "../store/reaper.ts";
import { replaySpilledTrials } from "../store/spill.ts";
import { handleInterrupts } from "./interrupts.ts";
import type { Command } from "./types.ts";

export const runCommand: Command = {
  summary: "replay a job's golden set now and print the summary (run <job> [--detect 0.05])",
  options: { detect: { type: "string" } },
  async run({ loaded, args, options, json }) {
    const jobName = args[0];
    // --detect: the drop (accuracy share, e.g. 0.05) the summary states the repeats needed for.
    const detect = typeof options.detect === "string" ? Number(options.detect) : DEFAULT_DETECT;
    if (!(detect > 0 && detect < 1)) {
      process.stderr.write(
        `goldwatch: --detect expects a drop in accuracy between 0 and 1, like 0.05 for 5 points (got "${String(options.detect)}")\n`,
      );
      return 2;
    }
    if (!jobName || !loaded.config.jobs[jobName]) {
      const known = Object.keys(loaded.config.jobs).join(", ") || "none";
      process.stderr.write(
        `goldwatch: ${jobName ? `unknown job "${jobName}"` : "run needs a job name"} (jobs in ${loaded.file}: ${known})\n`,
      );
      return 2;
    }
    // Logs go to stderr so stdout carries only the summary (or its JSON).
    const log = createLogger({ secrets: loaded.secrets, destination: terminalDestination(2), level: process.env.LOG_LEVEL ?? "warn" });
    const database = await openStore(loaded);
    await preparePartitions(database, loaded, log);
    const app = createApp(loaded, database, log);
    await settleEarlierShutdowns(app);
    const interrupts = handleInterrupts(log, loaded.secrets);
    // Loaded only for a terminal: a run from CI or a script does not pay for the bar's modules.
    const cliProgress = !json && process.stderr.isTTY ? (await import("cli-progress")).default : undefined;
    const bar = cliProgress
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: "{bar} {value}/{total} trials  {percentage}%  eta {eta_formatted}", hideCursor: true },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    app.events.on("run:started", ({ total }) => bar?.start(total, 0));
    app.events.on("trial:finished", () => bar?.increment());
    try {
      const { summary, findings } = await runJob(app, jobName, { trigger: "manual", signal: interrupts.signal, hurry: interrupts.hurry });
      bar?.stop();
      if (json) {
        const power = summary.power
          ? { ...summary.power, detect: { drop: detect, repeats: nullIfInfinite(repeatsForDrop(summary.power, detect)) } }
          : null;
        process.stdout.write(`${JSON.stringify(roundForDisplay({ ...summary, power, findings }), null, 2)}\n`);
      } else {
        process.stdout.write(`${formatSummary(summary, { detect })}\n`);
        for (const f of findings) process.stdout.write(`\nALERT [${f.detector}] ${f.summary}\n`);
      }
      // Deliver what this run queued before exiting (bounded wait); the rest stays in the outbox.
      await deliverQueued(deliveryDeps(app), { signal: interrupts.signal }).then(
        (left) => left > 0 && log.warn({ queued: left }, "notifications still queued; the next goldwatch serve or run delivers them"),
        (e: Error) => log.error({ err: loaded.secrets.redact(e.message) }, "cannot deliver notifications; they stay queued"),
      );
      return summary.status === "completed" ? 0 : 1;
    } finally {
      bar?.stop();
      interrupts.dispose();
      await database.close();
    }
  },
};

/**
 * What `serve` does in the background, once before a CLI run (a setup without `serve` has no one
 * else to do it): trials an interrupted run kept on disk are stored, and runs whose process died
 * are marked aborted. Best effort: a failure is logged and the run goes on.
 */
async function settleEarlierShutdowns(app: App): Promise<void> {
  const { db } = app.database;
  try {
    const replayed = await replaySpilledTrials(db, spillDir(app.loaded));
    if (replayed.trials > 0) app.log.warn(replayed, "trials kept on disk at an earlier shutdown are stored");
    const now = app.clock.now();
    const staleBefore = new Date(now.getTime() - app.loaded.config.server.heartbeat_timeout);
    const reaped = await reapDeadRuns(db, { now, staleBefore });
    for (const run of reaped.runs) app.log.warn({ runId: run.id, job: run.job }, "run aborted: its process stopped heartbeating");
  } catch (e) {
    app.log.warn({ err: describeDbError(e, app.loaded.secrets) }, "settling earlier runs failed; the next run or serve retries");
  }
}

const nullIfInfinite = (n: number) => (Number.isFinite(n) ? n : null);
