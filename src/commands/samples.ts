import { createLogger, terminalDestination } from "../log.ts";
import { systemClock } from "../clock.ts";
import { importJsonl, SampleImportError } from "../shadow/jsonl.ts";
import { openStore } from "../store/open.ts";
import type { Command } from "./types.ts";

export const samplesCommand: Command = {
  summary: 'production inputs for shadow jobs: samples import <file.jsonl> [--agent <agent>] (one {"input": …} per line)',
  options: { agent: { type: "string" } },
  async run({ loaded, args, options, json }) {
    const [sub, file] = args;
    if (sub !== "import" || !file) {
      process.stderr.write("usage: goldwatch samples import <file.jsonl> [--agent <agent>]\n");
      return 2;
    }
    const log = createLogger({ secrets: loaded.secrets, destination: terminalDestination(2), level: process.env.LOG_LEVEL ?? "warn" });
    let database;
    try {
      database = await openStore(loaded);
      const agent = typeof options.agent === "string" ? options.agent : undefined;
      const result = await importJsonl(
        { db: database.db, clock: systemClock, log, sampling: () => loaded.config.shadow.sampling },
        file,
        agent ? { agent } : {},
      );
      process.stdout.write(
        json
          ? `${JSON.stringify({ ok: true, ...result }, null, 2)}\n`
          : `imported ${result.kept} of ${result.lines} inputs (${result.duplicates} already sampled, ${result.skipped} left out by the sampling rules)\n`,
      );
      return 0;
    } catch (e) {
      const message =
        e instanceof SampleImportError || (e as NodeJS.ErrnoException).code === "ENOENT"
          ? (e as Error).message
          : `import failed: ${(e as Error).message}`;
      process.stderr.write(`goldwatch samples: ${loaded.secrets.redact(message)}\n`);
      return e instanceof SampleImportError || (e as NodeJS.ErrnoException).code === "ENOENT" ? 2 : 1;
    } finally {
      await database?.close();
    }
  },
};
