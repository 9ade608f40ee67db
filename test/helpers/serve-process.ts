import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** A real `goldwatch serve` (or `run`) process. */
export interface ServeProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far (stdout for serve, stderr for run). */
  logs: Record<string, unknown>[];
  /** stderr text (startup failures). */
  stderr(): string;
  /** stdout text (the summary of `run`). */
  stdout(): string;
  /** The HTTP port, once it logged "goldwatch serving". */
  port(): Promise<number>;
  /** Resolves with the first log line matching, waiting up to `timeoutMs`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * How goldwatch is started: `node bin/goldwatch.js` with GOLDWATCH_RUNTIME=node (goldwatch on Node:
 * dist/, or the sources through tsx), `bun bin/goldwatch.js` (on Bun), or `node bin/goldwatch.js`
 * (the launcher, and goldwatch on Bun as its child), or `bin/goldwatch` as npx and `npm start` start
 * it (`sh`: the shell launcher, which execs Bun).
 */
export type Runtime = "node" | "bun" | "launcher" | "sh";

/** Starts `goldwatch serve --config <file>` (on Node by default). Logs are JSON lines on stdout. */
export function startServe(opts: { config: string; env?: Record<string, string>; runtime?: Runtime; cwd?: string }): ServeProcess {
  return startGoldwatch(["serve", "--config", opts.config], opts);
}

/**
 * Starts `goldwatch <args>` (Node or Bun, as startServe). JSON log lines are parsed from
 * stdout, or from stderr with `logsOn: "stderr"` (`run` keeps stdout for its summary).
 */
export function startGoldwatch(
  args: string[],
  opts: { env?: Record<string, string>; runtime?: Runtime; cwd?: string; logsOn?: "stdout" | "stderr" } = {},
): ServeProcess {
  const runtime = opts.runtime ?? "node";
  const [cmd, bin] =
    runtime === "sh"
      ? [path.join(root, "bin/goldwatch"), []]
      : [runtime === "bun" ? path.join(root, "node_modules/.bin/bun") : process.execPath, [path.join(root, "bin/goldwatch.js")]];
  const child = spawn(cmd, [...bin, ...args], {
    cwd: opts.cwd ?? root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      LOG_LEVEL: "info",
      LOG_FORMAT: "json",
      ...(runtime === "node" ? { GOLDWATCH_RUNTIME: "node" } : {}),
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: { match: (l: Record<string, unknown>) => boolean; resolve(l: Record<string, unknown>): void }[] = [];
  let buffer = "";
  let errText = "";
  let outText = "";
  const logStream = opts.logsOn === "stderr" ? child.stderr! : child.stdout!;
  child.stdout!.on("data", (chunk: Buffer) => {
    outText += chunk.toString("utf8");
  });
  logStream.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line, raw: true };
      }
      logs.push(parsed);
      for (const w of [...waiters])
        if (w.match(parsed)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(parsed);
        }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    errText += chunk.toString("utf8");
  });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const waitForLog = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching log line within ${timeoutMs} ms; stderr: ${errText.slice(-2000)}; last logs: ${JSON.stringify(logs.slice(-5))}`,
            ),
          ),
        timeoutMs,
      );
      waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(
          new Error(
            `goldwatch serve exited (${code}) before the log line; stderr: ${errText.slice(-2000)}; last logs: ${JSON.stringify(logs.slice(-5))}`,
          ),
        );
      });
    });
  };
  return {
    child,
    logs,
    stderr: () => errText,
    stdout: () => outText,
    port: async () => Number((await waitForLog((l) => l.msg === "goldwatch serving", 60_000)).port),
    waitForLog,
    exited,
    kill: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
