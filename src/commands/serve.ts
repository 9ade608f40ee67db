import { createApp } from "../app.ts";
import { createLogger } from "../log.ts";
import { startService } from "../service.ts";
import { openStore } from "../store/open.ts";
import type { Command } from "./types.ts";

export const serveCommand: Command = {
  summary: "run every job on its schedule and serve HTTP (npm start)",
  async run({ loaded }) {
    const log = createLogger({ secrets: loaded.secrets });
    const database = await openStore(loaded);
    const app = createApp(loaded, database, log);
    const service = await startService(app);
    await new Promise<void>((resolve) => {
      const onSignal = (sig: string) => {
        log.info({ signal: sig }, "shutting down");
        resolve();
      };
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
    });
    await service.stop();
    await database.close();
    return 0;
  },
};
