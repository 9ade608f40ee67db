import { Worker } from "node:worker_threads";
import { EMBEDDED_RESTART } from "./errors.ts";

/** Encodes COPY rows for the thread (see `#copy`). */
const encoder = new TextEncoder();

/** A query result as PGlite gives it. */
export interface RemoteResults {
  rows: unknown[];
  fields: Array<{ name: string; dataTypeID: number }>;
  affectedRows?: number;
}

/** What a query or transaction can do: the part of PGlite's interface drizzle and goldwatch use. */
export interface RemoteQueryable {
  query(sql: string, params?: unknown[], opts?: { rowMode?: "array" | "object" }): Promise<RemoteResults>;
  exec(sql: string): Promise<RemoteResults[]>;
  /** COPY … FROM '/dev/blob' with `text` as the data. */
  copyFrom(sql: string, text: string): Promise<void>;
}

export interface RemoteTransaction extends RemoteQueryable {
  rollback(): Promise<void>;
  readonly closed: boolean;
}

/** Errors from the worker keep PGlite's fields (code, detail, constraint, …) for callers that read them. */
class RemotePgError extends Error {
  constructor(data: Record<string, unknown>) {
    super(String(data.message));
    Object.assign(this, data);
    this.name = "DatabaseError";
  }
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: Record<string, unknown> };

/**
 * PGlite on a worker thread, driven by messages. It keeps PGlite's semantics: one session, so
 * queries run one at a time and a transaction holds the database until it ends (other queries
 * wait). Parsers are fixed to drizzle's (dates stay text); functions cannot cross threads. If the
 * thread dies (a WASM fault), calls in flight fail with a retryable error and the next call starts
 * a new thread on the same data, replaying the session setup (`setSession`); without a data
 * folder (tests) the new thread starts empty.
 */
export class RemotePglite implements RemoteQueryable {
  readonly waitReady: Promise<void>;
  readonly #opts: { dataDir?: string | undefined; startParams: string[] };
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #worker: Worker | undefined;
  #starting: Promise<Worker> | undefined;
  #session: string | undefined;
  #nextId = 1;
  #closed = false;

  constructor(opts: { dataDir?: string | undefined; startParams: string[] }) {
    this.#opts = opts;
    this.waitReady = this.#start().then(() => undefined);
    this.waitReady.catch(() => undefined);
  }

  /** Runs session setup (search_path) now, and again on every new thread. */
  async setSession(sql: string): Promise<void> {
    await this.exec(sql);
    this.#session = sql;
  }

  /** Ends the thread at once, as a crash would; the next call starts a new one. */
  async kill(): Promise<void> {
    await this.#worker?.terminate();
  }

  query(sql: string, params: unknown[] = [], opts: { rowMode?: "array" | "object" } = {}): Promise<RemoteResults> {
    return this.#call({ op: "query", sql, params, rowMode: opts.rowMode });
  }

  exec(sql: string): Promise<RemoteResults[]> {
    return this.#call({ op: "exec", sql });
  }

  async copyFrom(sql: string, text: string): Promise<void> {
    await this.#copy(sql, text);
  }

  /**
   * The rows go to the thread as UTF-8 bytes whose buffer is transferred, not copied: a string
   * would be cloned into the thread and encoded again there, two more copies of every batch.
   */
  #copy(sql: string, text: string, tx?: number): Promise<unknown> {
    const bytes = encoder.encode(text);
    return this.#call({ op: "copy", ...(tx !== undefined ? { tx } : {}), sql, bytes }, this.#nextId++, [bytes.buffer]);
  }

  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws or calls
   * `rollback()`. The transaction's own queries go through its handle.
   */
  async transaction<T>(fn: (tx: RemoteTransaction) => Promise<T>): Promise<T> {
    const txId = this.#nextId++;
    await this.#call({ op: "begin" }, txId);
    let closed = false;
    const end = async (commit: boolean) => {
      if (closed) return;
      closed = true;
      await this.#call({ op: "end", tx: txId, commit });
    };
    const tx: RemoteTransaction = {
      query: (sql, params = [], opts = {}) => this.#call({ op: "query", tx: txId, sql, params, rowMode: opts.rowMode }),
      exec: (sql) => this.#call({ op: "exec", tx: txId, sql }),
      copyFrom: async (sql, text) => {
        await this.#copy(sql, text, txId);
      },
      rollback: () => end(false).catch(() => undefined),
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (e) {
      await end(false).catch(() => undefined); // the caller's error is the one that matters
      throw e;
    }
    await end(true);
    return result;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const worker = this.#worker;
    if (!worker) return;
    try {
      await this.#post(worker, { op: "close" }, this.#nextId++);
    } finally {
      this.#worker = undefined;
      await worker.terminate();
    }
  }

  #start(): Promise<Worker> {
    this.#starting ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(new URL("./pglite-worker.js", import.meta.url), {
        workerData: { dataDir: this.#opts.dataDir, startParams: this.#opts.startParams },
      });
      worker.unref(); // like an in-process database, an idle one does not keep the process alive
      const failed = (error: Error) => {
        if (this.#worker === worker) return;
        this.#starting = undefined;
        reject(error);
      };
      worker.on("message", (msg: Reply & { ready?: boolean; error?: Record<string, unknown> }) => {
        if (msg.ready === true) {
          this.#worker = worker;
          resolve(worker);
        } else if (msg.ready === false) {
          failed(new RemotePgError(msg.error ?? { message: "the embedded database did not start" }));
          void worker.terminate();
        } else this.#reply(msg);
      });
      worker.on("error", (error) => {
        failed(error);
        this.#died(worker, error);
      });
      worker.on("exit", (code) => {
        failed(new Error(`the embedded database did not start: its thread exited with code ${code}`));
        this.#died(worker, new Error(`its thread exited with code ${code}`));
      });
    }).then(async (worker) => {
      if (this.#session) await this.#post(worker, { op: "exec", sql: this.#session }, this.#nextId++);
      return worker;
    });
    return this.#starting;
  }

  #died(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    this.#starting = undefined;
    const lost = Object.assign(new Error(`the embedded database stopped: ${error.message}`, { cause: error }), { code: EMBEDDED_RESTART });
    for (const [id, call] of this.#pending) {
      this.#settle(id);
      call.reject(lost);
    }
  }

  #reply(msg: Reply): void {
    const call = this.#pending.get(msg.id);
    if (!call) return;
    this.#settle(msg.id);
    if (msg.ok) call.resolve(msg.result);
    else call.reject(new RemotePgError(msg.error));
  }

  async #call<T>(msg: Record<string, unknown>, id = this.#nextId++, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.#closed) throw new Error("the embedded database is closed");
    const worker = this.#worker ?? (await this.#start());
    return this.#post(worker, msg, id, transfer);
  }

  #post<T>(worker: Worker, msg: Record<string, unknown>, id: number, transfer: ArrayBuffer[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#pending.size === 0) worker.ref(); // work outstanding keeps the process alive
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...msg, id }, transfer);
    });
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker?.unref();
  }
}
