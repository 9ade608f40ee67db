import cliProgress from "cli-progress";
import { deliverQueued } from "../alerts/index.ts";
import { createApp, runJob } from "../app.ts";
import { createLogger, terminalDestination } from "../log.ts";
import { repeatsForDrop } from "../engine/summary.ts";
import { DEFAULT_DETECT, formatSummary } from "../report/format-summary.ts";
import { roundForDisplay } from "../report/round.ts";
import { openStore, preparePartitions } from "../store/open.ts";
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
    // First signal: no new trials, those in flight are cancelled, and what the database does not
    // take within a few seconds is kept on disk (spill) before exiting. A second signal skips
    // that wait; trials are never dropped by a signal, only spilled sooner.
    const abort = new AbortController();
    const hurry = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      if (!abort.signal.aborted) {
        log.warn({ signal: sig }, "interrupted: stopping the run; unstored trials are kept on disk (again to stop at once)");
        abort.abort(new Error("interrupted"));
      } else {
        log.warn({ signal: sig }, "second signal: keeping unstored trials on disk now and exiting");
        hurry.abort(new Error("interrupted twice"));
      }
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const bar =
      !json && process.stderr.isTTY
        ? new cliProgress.SingleBar(
            { stream: process.stderr, format: "{bar} {value}/{total} trials  {percentage}%  eta {eta_formatted}", hideCursor: true },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    app.events.on("run:started", ({ total }) => bar?.start(total, 0));
    app.events.on("trial:finished", () => bar?.increment());
    try {
      const { summary, findings } = await runJob(app, jobName, { trigger: "manual", signal: abort.signal, hurry: hurry.signal });
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
      await deliverQueued(app, { signal: abort.signal }).then(
        (left) => left > 0 && log.warn({ queued: left }, "notifications still queued; the next goldwatch serve or run delivers them"),
        (e: Error) => log.error({ err: loaded.secrets.redact(e.message) }, "cannot deliver notifications; they stay queued"),
      );
      return summary.status === "completed" ? 0 : 1;
    } finally {
      bar?.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await database.close();
    }
  },
};

const nullIfInfinite = (n: number) => (Number.isFinite(n) ? n : null);
