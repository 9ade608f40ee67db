/** Set on errors from an embedded-database thread that died: retrying is worth it, the next call starts a new one. */
export const EMBEDDED_RESTART = "EMBEDDED_RESTART";

const TRANSIENT_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  EMBEDDED_RESTART, // the embedded database's thread died; the next call starts a new one
]);

/**
 * True when a database error will likely go away by itself (server down or restarting, network,
 * contention): worth retrying without limit. Other errors (a bad statement, a constraint) will
 * not, and retrying them forever would hang a run.
 */
export function isTransientDbError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (TRANSIENT_CODES.has(code) || code.startsWith("08"))) return true;
  }
  return false;
}

/** Longest message text kept from one error in a chain; a database message quoting a value stays short. */
const MAX_MESSAGE = 300;

/**
 * What a database error says, fit for a log line or a run row: each message of its cause chain and
 * the driver's code, never the statement or its parameters. drizzle wraps driver errors as
 * "Failed query: <sql> params: <values>", and postgres.js errors carry `query` and `parameters`:
 * the values are trials' agent outputs (megabytes, and personal data even with redact_pii).
 */
export function describeDbError(error: unknown, secrets?: { redact(text: string): string }): string {
  const parts: string[] = [];
  let code: string | undefined;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (code === undefined && (typeof c === "string" || typeof c === "number")) code = String(c);
    const message = e instanceof Error ? e.message : typeof e === "string" ? e : "";
    const cut = message.indexOf("Failed query:");
    const text = (cut >= 0 ? message.slice(0, cut) : message).trim().replace(/:$/, "");
    if (text) parts.push(text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text);
  }
  let out = parts.join(": ") || "a database query failed";
  if (code && !out.includes(code)) out += ` (${code})`;
  return secrets ? secrets.redact(out) : out;
}
