// The embedded database on its own thread: PGlite's WASM runs here, so the service's event loop
// (HTTP clients, scheduler, health checks) never waits on a query's execution. Plain JavaScript so
// that Bun and Node load it as a worker without a TypeScript loader. The protocol is the one in
// pglite-remote.ts: requests {id, op, ...}, replies {id, ok, result | error}.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, types } from "@electric-sql/pglite";

/** drizzle's parsers for the PGlite driver: date and time values stay text. */
const identity = (value) => value;
const PARSERS = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map((t) => [t, identity]),
);

/** An error as plain data: its message and the fields callers read (code, detail, …). */
function serialize(error) {
  const out = { message: String(error?.message ?? error) };
  if (error && typeof error === "object") {
    for (const [k, v] of Object.entries(error)) if (typeof v === "string" || typeof v === "number") out[k] = v;
  }
  return out;
}

const { dataDir, startParams } = workerData;
const pg = new PGlite({ ...(dataDir ? { dataDir } : {}), startParams });
/** Open transactions by id: their handle, and how the caller ends them. */
const transactions = new Map();

/**
 * Each COPY leaves its rows here three times over, outside the JS heap (the transferred bytes, the
 * Blob, PGlite's copy of it), and this thread allocates too little else for Bun's collector to
 * run soon: with a collection after every COPY the engine bench's RSS stayed 40–90 MB lower than
 * with none, but with a fifth less throughput. One full collection per COLLECT_BYTES of rows
 * takes about 10 ms, once per ~20k trials. (Node has no Bun.gc: nothing is done there.)
 */
const COLLECT_BYTES = 8 * 1024 * 1024;
let sinceCollect = 0;
function collectAfter(bytes) {
  sinceCollect += bytes;
  if (sinceCollect < COLLECT_BYTES) return;
  sinceCollect = 0;
  globalThis.Bun?.gc(true);
}

async function handle(msg) {
  const target = msg.tx === undefined ? pg : transactions.get(msg.tx)?.tx;
  if (!target) throw new Error(`transaction ${msg.tx} is not open`);
  switch (msg.op) {
    case "query":
      return target.query(msg.sql, msg.params ?? [], { rowMode: msg.rowMode ?? "object", parsers: PARSERS });
    case "exec":
      return target.exec(msg.sql, { parsers: PARSERS });
    case "copy":
      try {
        return await target.query(msg.sql, [], { blob: new Blob([msg.bytes]) });
      } finally {
        collectAfter(msg.bytes.byteLength);
      }
    case "close":
      await pg.close();
      return null;
    default:
      throw new Error(`unknown operation ${msg.op}`);
  }
}

/** Opens a transaction that stays open until an `end` message commits or rolls it back. */
function begin(msg) {
  let ended;
  const done = new Promise((resolve, reject) => (ended = { resolve, reject }));
  pg.transaction(async (tx) => {
    transactions.set(msg.id, { tx, ended });
    parentPort.postMessage({ id: msg.id, ok: true, result: null });
    await done;
  })
    .then(
      () => transactions.get(msg.id)?.reply?.({ ok: true, result: null }),
      (error) => {
        const reply = transactions.get(msg.id)?.reply;
        // A transaction that failed to begin has no caller waiting on its end.
        if (reply) reply({ ok: false, error: serialize(error) });
        else parentPort.postMessage({ id: msg.id, ok: false, error: serialize(error) });
      },
    )
    .finally(() => transactions.delete(msg.id));
}

function end(msg) {
  const open = transactions.get(msg.tx);
  if (!open) return parentPort.postMessage({ id: msg.id, ok: false, error: { message: `transaction ${msg.tx} is not open` } });
  open.reply = (r) => parentPort.postMessage({ id: msg.id, ...r });
  if (msg.commit) open.ended.resolve();
  else open.ended.reject(new Error("rolled back"));
}

parentPort.on("message", (msg) => {
  if (msg.op === "begin") return begin(msg);
  if (msg.op === "end") return end(msg);
  handle(msg).then(
    (result) => parentPort.postMessage({ id: msg.id, ok: true, result }),
    (error) => parentPort.postMessage({ id: msg.id, ok: false, error: serialize(error) }),
  );
});

try {
  await pg.waitReady;
  parentPort.postMessage({ ready: true });
} catch (error) {
  parentPort.postMessage({ ready: false, error: serialize(error) });
}
