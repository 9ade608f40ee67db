import { systemClock } from "../clock.ts";
import { acceptLevel } from "../detect/accept.ts";
import type { Database } from "../store/db.ts";
import { openStore } from "../store/open.ts";
import type { Command } from "./types.ts";

/** `goldwatch baseline accept <job>`: the open accuracy incident's level becomes the job's new baseline. */
export const baselineCommand: Command = {
  summary: "baseline accept <job> [--comment text]: take an open accuracy incident's level as the new normal",
  options: { comment: { type: "string" }, author: { type: "string" } },
  async run({ loaded, args, options, json }) {
    const fail = (message: string, code = 2) => {
      process.stderr.write(`goldwatch baseline: ${message}\n`);
      return code;
    };
    const [action, job] = args;
    if (action !== "accept" || !job) return fail("usage: goldwatch baseline accept <job> [--comment text]");
    if (!loaded.config.jobs[job])
      return fail(`unknown job "${job}"; the config has: ${Object.keys(loaded.config.jobs).join(", ") || "no jobs"}`);
    let database: Database;
    try {
      database = await openStore(loaded);
    } catch (e) {
      return fail(`${(e as Error).message}\n(while goldwatch serve runs, use POST /api/jobs/${job}/baseline/accept)`, 1);
    }
    try {
      const result = await acceptLevel(database.db, job, {
        now: systemClock.now(),
        by: typeof options.author === "string" ? options.author : (process.env.USER ?? ""),
        ...(typeof options.comment === "string" ? { comment: options.comment } : {}),
      });
      if (!result.ok) return fail(result.reason, 1);
      const text = `accepted: ${job} is judged against the runs since ${result.level.from.toISOString()} from its next run on`;
      process.stdout.write(json ? `${JSON.stringify({ job, from: result.level.from, at: result.level.at }, null, 2)}\n` : `${text}\n`);
      return 0;
    } finally {
      await database.close();
    }
  },
};
