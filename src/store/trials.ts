import { sql } from "drizzle-orm";
import { capabilitiesOf, type Db } from "./db.ts";
import type { trials } from "./schema.ts";

export type TrialRow = typeof trials.$inferInsert;

/** The columns of a trial, in the order `copyText` writes them. */
const COLUMN_LIST = [
  "run_id",
  "case_id",
  "repeat",
  "started_at",
  "latency_ms",
  "status",
  "passed",
  "score",
  "output",
  "steps",
  "input_tokens",
  "output_tokens",
  "cost_usd",
  "model",
  "fingerprint",
  "error_kind",
  "error_message",
  "assertions",
] as const;
const COLUMNS = COLUMN_LIST.join(", ");

/**
 * Inserts a batch of trials. COPY first (on a server a third of the database's CPU per row of
 * the INSERT, 8 vs 24 µs; on the embedded database 1.5× the rows per second); when it fails for
 * any reason, the idempotent INSERT … ON CONFLICT DO NOTHING: COPY is all-or-nothing, so after a failed COPY nothing of the batch is stored, and after
 * a COPY whose acknowledgement was lost the INSERT skips what is already there. A retried batch
 * never duplicates rows, and a real fault (database down) surfaces from the INSERT.
 */
export async function insertTrials(db: Db, rows: TrialRow[]): Promise<void> {
  if (rows.length === 0) return;
  try {
    if (await copyTrials(db, rows)) return;
  } catch {
    // Fall through to the INSERT, which decides (see above).
  }
  await upsertTrials(db, rows);
}

/**
 * COPYs a batch: false when `db` has no COPY (a transaction); throws when the COPY failed
 * (nothing stored).
 */
export async function copyTrials(db: Db, rows: TrialRow[]): Promise<boolean> {
  const driver = capabilitiesOf(db);
  if (!driver) return false;
  await driver.copy("trials", COLUMN_LIST, copyText(rows));
  return true;
}

/** Postgres cannot store NUL in text; an agent that emits one must not fail the batch. */
const NUL = /\u0000/g;
const clean = (s: string) => (s.includes("\u0000") ? s.replace(NUL, "") : s);

/** A lone UTF-16 surrogate: UTF-8 has no form for it, and encoding stores U+FFFD instead. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A text value as the database ends up holding it: NULs dropped, lone surrogates as U+FFFD. */
export function asStored(s: string): string {
  const text = clean(s);
  return text.search(LONE_SURROGATE) < 0 ? text : text.replace(LONE_SURROGATE, "\uFFFD");
}

const NEEDS_ESCAPE = /[\\\t\n\r\u0000]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** One value in COPY's text format; most values need no escaping, and are checked once. */
function field(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "t" : "f";
  const s = v instanceof Date ? v.toISOString() : typeof v === "string" ? v : String(v);
  if (!NEEDS_ESCAPE.test(s)) return s;
  return clean(s).replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!);
}

/**
 * A JSON column in COPY's text format. JSON.stringify's output holds no raw tab, newline, CR or
 * NUL (it escapes them), so doubling backslashes is the whole escaping: the regex callback of
 * `field` was 3–4 µs per trial here (every assertion reason that quotes its argument has a `\"`).
 */
function jsonField(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  const s = JSON.stringify(v);
  return s.includes("\\") ? s.replaceAll("\\", "\\\\") : s;
}

/** The batch in COPY's text format, columns in COLUMNS order (one string built in place: no array per row). */
export function copyText(rows: TrialRow[]): string {
  let out = "";
  for (const r of rows) {
    out +=
      `${field(r.runId)}\t${field(r.caseId)}\t${field(r.repeat)}\t${field(r.startedAt)}\t${field(r.latencyMs)}\t` +
      `${field(r.status)}\t${field(r.passed)}\t${field(r.score)}\t${field(r.output)}\t${jsonField(r.steps)}\t` +
      `${field(r.inputTokens)}\t${field(r.outputTokens)}\t${field(r.costUsd)}\t${field(r.model)}\t` +
      `${field(r.fingerprint)}\t${field(r.errorKind)}\t${field(r.errorMessage)}\t${jsonField(r.assertions)}\n`;
  }
  return out;
}

/**
 * How many trial batches to write at once: the embedded database is one session, so one; a
 * server takes them on several pooled connections (its backends use the other cores).
 */
export function trialWriters(db: Db): number {
  return capabilitiesOf(db)?.kind === "pglite" ? 1 : 4;
}

/** INSERT of the batch as ONE JSON parameter expanded by `json_to_recordset`; skips rows already stored. */
async function upsertTrials(db: Db, rows: TrialRow[]): Promise<void> {
  const records = rows.map((r) => ({
    run_id: r.runId,
    case_id: r.caseId,
    repeat: r.repeat,
    started_at: r.startedAt,
    latency_ms: r.latencyMs,
    status: r.status,
    passed: r.passed,
    score: r.score,
    output: r.output ?? null,
    steps: r.steps ?? null,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cost_usd: r.costUsd,
    model: r.model ?? null,
    fingerprint: r.fingerprint ?? null,
    error_kind: r.errorKind ?? null,
    error_message: r.errorMessage ?? null,
    assertions: r.assertions ?? null,
  }));
  // A replacer makes JSON.stringify several times slower; only a batch with an escaped NUL
  // (which Postgres refuses in text) needs one.
  let payload = JSON.stringify(records);
  if (payload.includes("\\u0000"))
    payload = JSON.stringify(records, (_key, value: unknown) => (typeof value === "string" ? clean(value) : value));
  await db.execute(sql`
    insert into trials (${sql.raw(COLUMNS)})
    select ${sql.raw(COLUMNS)}
    from json_to_recordset(${payload}::json) as x(
      run_id text, case_id text, repeat int, started_at timestamptz, latency_ms float8, status text, passed bool,
      score float8, output text, steps jsonb, input_tokens int, output_tokens int, cost_usd float8, model text,
      fingerprint text, error_kind text, error_message text, assertions jsonb)
    on conflict do nothing`);
}
