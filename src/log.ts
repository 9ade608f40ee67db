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

/** Longest string kept in one log field (and the message): a log line never carries a megabyte reply. */
export const MAX_LOG_FIELD = 2048;

/**
 * drizzle puts the statement and every parameter in its errors' messages ("Failed query: …
 * params: …"): trial outputs, alert evidence. Whatever logs such a message, that part is dropped.
 */
const FAILED_QUERY = "Failed query:";

/** A string fit for a log field: no query text or parameters, at most MAX_LOG_FIELD characters. */
export function capLogString(s: string): string {
  const q = s.indexOf(FAILED_QUERY);
  const text = q >= 0 ? `${s.slice(0, q)}a query failed [statement and parameters not logged]` : s;
  return text.length <= MAX_LOG_FIELD ? text : `${text.slice(0, MAX_LOG_FIELD)}…[${text.length - MAX_LOG_FIELD} more chars]`;
}

/**
 * Every string in a log object capped (capLogString), nested objects to a few levels. Errors
 * become `{ type, message, code }`: their own fields (postgres.js: `query`, `parameters`) stay out.
 */
function capDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return capLogString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= 6) return "[nested too deep]";
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { type: value.name, message: capLogString(value.message), ...(code !== undefined ? { code: String(code) } : {}) };
  }
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => capDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = capDeep(v, depth + 1);
  return out;
}

/**
 * JSON logs (pino). Every string that reaches a log line goes through the secret registry, and
 * fields named like credentials are censored whatever their value. Every string field (and the
 * message) is capped at MAX_LOG_FIELD characters, and a database error's statement and
 * parameters are never written (see capLogString).
 */
export function createLogger(opts: { secrets?: Secrets; level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const secrets = opts.secrets;
  const redact = (s: string) => (secrets ? secrets.redact(s) : s);
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? "info",
      base: { service: "goldwatch" },
      redact: {
        paths: ["*.token", "*.api_key", "*.apiKey", "*.authorization", "*.routing_key", "*.headers", "token", "api_key", "headers"],
        censor: "[redacted]",
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? capLogString(redact(a)) : a)) as Parameters<typeof method>);
        },
      },
      formatters: {
        // Redacted before capping: a secret cut in half by the cap would no longer be recognised.
        log: (obj) => capDeep(secrets ? secrets.redactDeep(obj) : obj) as Record<string, unknown>,
      },
    },
    opts.destination,
  );
}

/** A logger that drops everything (quiet tests and CLI runs with --json). */
export const silentLogger = (): Logger => pino({ level: "silent" });
