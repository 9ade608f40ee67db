import { createApp } from "../app.ts";
import { backoffMs } from "../backoff.ts";
import { systemClock } from "../clock.ts";
import type { LoadedConfig } from "../load/load.ts";
import { createLogger, terminalDestination, type Logger } from "../log.ts";
import { startService } from "../service.ts";
import type { Database } from "../store/db.ts";
import { openStore } from "../store/open.ts";
import type { Command } from "./types.ts";

/**
 * Opens the database, retrying while a server is unreachable: a replica that starts during a
 * database outage waits for it instead of crash-looping. The embedded database is not retried.
 */
async function openWithRetry(loaded: LoadedConfig, log: Logger, signal: AbortSignal): Promise<Database | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openStore(loaded);
    } catch (e) {
      if (!loaded.config.database || signal.aborted) throw e;
      const delay = backoffMs(attempt, { baseMs: 1_000, maxMs: 30_000 });
      log.warn({ attempt, retryInMs: delay, err: loaded.secrets.redact((e as Error).message) }, "database unreachable at start; retrying");
      try {
        await systemClock.sleep(delay, signal);
      } catch {
        return undefined;
      }
    }
  }
}

/**
 * The one-line reason the HTTP port cannot be listened on (busy, privileged, an address not on
 * this machine) with its fix, or undefined for any other failure.
 */
export function listenProblem(e: unknown, loaded: LoadedConfig): string | undefined {
  let code: string | undefined;
  for (let c: unknown = e; c instanceof Error && !code; c = c.cause) code = (c as NodeJS.ErrnoException).code;
  const { port, host } = loaded.config.server;
  const fix = `set another port with server.port in ${loaded.file} or the PORT environment variable`;
  if (code === "EADDRINUSE")
    return `port ${port} is already in use (another goldwatch, or another program, listens there); stop it, or ${fix}`;
  if (code === "EACCES") return `port ${port} needs privileges to listen on; use a port above 1023 (${fix})`;
  if (code === "EADDRNOTAVAIL")
    return `server.host ${host ?? ""} is not an address of this machine; set server.host to one of its addresses, or remove it to listen on all`;
  return undefined;
}

export const serveCommand: Command = {
  summary: "run every job on its schedule and serve HTTP (npm start)",
  async run({ loaded }) {
    // One logger for the life of the process: a reload adds its secrets to the same registry.
    const log = createLogger({ secrets: loaded.secrets, destination: terminalDestination(1) });
    log.info({ runtime: process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.versions.node}` }, "goldwatch starting");
    // A fault anywhere is logged, never the end of the process (the brief: faults never crash it).
    const onRejection = (e: unknown) => log.error({ err: (e as Error)?.message ?? String(e) }, "unhandled rejection");
    const onException = (e: Error) => log.error({ err: e.message, stack: e.stack }, "uncaught exception");
    process.on("unhandledRejection", onRejection);
    process.on("uncaughtException", onException);

    const shutdown = new AbortController();
    let signals = 0;
    let onStopSignal: (() => void) | undefined;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      log.info({ signal: sig }, signals === 1 ? "shutting down" : "second signal: aborting runs now");
      shutdown.abort();
      onStopSignal?.();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      const database = await openWithRetry(loaded, log, shutdown.signal);
      if (!database) return 0;
      const app = createApp(loaded, database, log);
      let service: Awaited<ReturnType<typeof startService>> | undefined;
      // Listening before the service is up: a SIGHUP that comes as it starts must not end the process.
      const onHup = () => void service?.reload("SIGHUP");
      process.on("SIGHUP", onHup);
      try {
        service = await startService(app);
      } catch (e) {
        const problem = listenProblem(e, loaded);
        if (!problem) throw e;
        await database.close().catch(() => {});
        process.stderr.write(`goldwatch serve: ${problem}\n`);
        return 2;
      }
      await new Promise<void>((resolve) => {
        onStopSignal = () => {
          if (signals > 1) service.abortRuns();
          resolve();
        };
        if (shutdown.signal.aborted) resolve();
      });
      await service.stop();
      process.off("SIGHUP", onHup);
      await database.close().catch((e: Error) => log.warn({ err: e.message }, "closing the database failed"));
      return 0;
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    }
  },
};
