import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { Secrets } from "./config/secrets.ts";

export type { Logger };

/**
 * Human-readable lines for a person at a terminal, JSON for everything else (containers, log
 * shippers, tests). `LOG_FORMAT=json|pretty` overrides. The pretty stream formats lines that were
 * already redacted.
 */
export function terminalDestination(fd: 1 | 2): pino.DestinationStream | undefined {
  const stream = fd === 1 ? process.stdout : process.stderr;
  const format = process.env.LOG_FORMAT ?? (stream.isTTY ? "pretty" : "json");
  if (format !== "pretty") return fd === 1 ? undefined : pino.destination(2);
  return pretty({
    destination: fd,
    colorize: stream.isTTY,
    translateTime: "SYS:HH:MM:ss",
    ignore: "pid,hostname,service",
    singleLine: true,
    sync: true,
  });
}

/**
 * JSON logs (pino). Every string that reaches a log line goes through the secret registry, and
 * fields named like credentials are censored whatever their value.
 */
export function createLogger(opts: { secrets?: Secrets; level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const secrets = opts.secrets;
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? "info",
      base: { service: "goldwatch" },
      redact: {
        paths: ["*.token", "*.api_key", "*.apiKey", "*.authorization", "*.routing_key", "*.headers", "token", "api_key", "headers"],
        censor: "[redacted]",
      },
      hooks: secrets
        ? {
            logMethod(args, method) {
              method.apply(this, args.map((a) => (typeof a === "string" ? secrets.redact(a) : a)) as Parameters<typeof method>);
            },
          }
        : {},
      formatters: {
        log: (obj) => (secrets ? secrets.redactDeep(obj) : obj),
      },
    },
    opts.destination,
  );
}

/** A logger that drops everything (quiet tests and CLI runs with --json). */
export const silentLogger = (): Logger => pino({ level: "silent" });
