import { systemClock } from "../clock.ts";
import { parseSilenceInput } from "../alerts/silence-input.ts";
import { formatMatchers, type Matcher } from "../alerts/silence-matchers.ts";
import { expireSilence, insertSilence, listSilences, type SilenceRow } from "../alerts/store.ts";
import type { Database } from "../store/db.ts";
import { openStore } from "../store/open.ts";
import type { Command } from "./types.ts";

const line = (s: SilenceRow) =>
  `${s.id}  ${formatMatchers(s.matchers as Matcher[])}  until ${s.endsAt.toISOString()}${s.createdBy ? `  by ${s.createdBy}` : ""}${s.comment ? `  "${s.comment}"` : ""}`;

/** `goldwatch silence`: create, list and expire silences (matching alerts are recorded, not sent). */
export const silenceCommand: Command = {
  summary: "silence alerts by label (silence job=x [detector=y] --duration 2h), --list, --expire <id>",
  options: {
    duration: { type: "string" },
    until: { type: "string" },
    comment: { type: "string" },
    author: { type: "string" },
    list: { type: "boolean", default: false },
    all: { type: "boolean", default: false },
    expire: { type: "string" },
  },
  async run({ loaded, args, options, json }) {
    const now = systemClock.now();
    const out = (text: string, data: unknown) => process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
    const fail = (message: string) => {
      process.stderr.write(`goldwatch silence: ${message}\n`);
      return 2;
    };

    let input: ReturnType<typeof parseSilenceInput> | undefined;
    if (!options.list && !options.expire) {
      if (args.length === 0) return fail("give label matchers (e.g. job=support-hourly detector=threshold), --list, or --expire <id>");
      if (options.duration && options.until) return fail("give either --duration or --until, not both");
      input = parseSilenceInput(
        {
          matchers: args,
          ...(options.until ? { ends_at: options.until } : { duration: options.duration ?? "1h" }),
          comment: options.comment ?? "",
          created_by: options.author ?? process.env.USER ?? "",
        },
        now,
      );
      // Field names in the messages are the API's; say them as the command's options.
      if (!input.ok)
        return fail(
          input.errors
            .map((e) =>
              e
                .replace(/^ends_at/, "--until")
                .replace(/^duration/, "--duration")
                .replace(/^matchers(\[\d+\])?/, "matcher"),
            )
            .join("\n"),
        );
    }

    let database: Database;
    try {
      database = await openStore(loaded);
    } catch (e) {
      process.stderr.write(`goldwatch silence: ${(e as Error).message}\n(while goldwatch serve runs, use POST /api/silences)\n`);
      return 1;
    }
    try {
      const db = database.db;
      if (options.expire) {
        const id = String(options.expire);
        const ok = await expireSilence(db, id, now);
        if (!ok) {
          process.stderr.write(`goldwatch silence: no active silence "${id}" (see goldwatch silence --list)\n`);
          return 1;
        }
        out(`expired ${id}`, { id, expired: true });
        return 0;
      }
      if (options.list) {
        const rows = await listSilences(db, { now, includeExpired: options.all === true });
        out(rows.length > 0 ? rows.map(line).join("\n") : "no active silences", { silences: rows });
        return 0;
      }
      const row = await insertSilence(db, (input as { ok: true; silence: Parameters<typeof insertSilence>[1] }).silence, now);
      out(`created ${line(row)}`, { silence: row });
      return 0;
    } finally {
      await database.close();
    }
  },
};
