import { createLogger, terminalDestination } from "../log.ts";
import { openStore } from "../store/open.ts";
import type { Command } from "./types.ts";

export const migrateCommand: Command = {
  summary: "apply database migrations and exit",
  async run({ loaded }) {
    const log = createLogger({ secrets: loaded.secrets, destination: terminalDestination(2) });
    const database = await openStore(loaded);
    await database.close();
    log.info("database migrated");
    return 0;
  },
};
