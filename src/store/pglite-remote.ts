import { Worker } from "node:worker_threads";

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
 * wait). Parsers are fixed to drizzle's (dates stay text); functions cannot cross threads.
 */
export class RemotePglite implements RemoteQueryable {
  readonly waitReady: Promise<void>;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #nextId = 1;
  #dead: Error | undefined;

  constructor(opts: { dataDir?: string; startParams: string[] }) {
    this.#worker = new Worker(new URL("./pglite-worker.js", import.meta.url), {
      workerData: { dataDir: opts.dataDir, startParams: opts.startParams },
    });
    this.#worker.unref(); // like an in-process database, an idle one does not keep the process alive
    this.waitReady = new Promise((resolve, reject) => {
      const onReady = (msg: { ready?: boolean; error?: Record<string, unknown> }) => {
        if (msg.ready === undefined) return;
        this.#worker.off("message", onReady);
        if (msg.ready) resolve();
        else reject(new RemotePgError(msg.error ?? { message: "the embedded database did not start" }));
      };
      this.#worker.on("message", onReady);
      this.#worker.once("error", reject);
    });
    this.waitReady.catch(() => undefined);
    this.#worker.on("message", (msg: Reply & { ready?: boolean }) => {
      if (msg.ready !== undefined) return;
      const call = this.#pending.get(msg.id);
      if (!call) return;
      this.#settle(msg.id);
      if (msg.ok) call.resolve(msg.result);
      else call.reject(new RemotePgError(msg.error));
    });
    const fail = (error: Error) => {
      this.#dead = new Error(`the embedded database stopped: ${error.message}`, { cause: error });
      for (const [id, call] of this.#pending) {
        this.#settle(id);
        call.reject(this.#dead);
      }
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`its thread exited with code ${code}`)));
  }

  query(sql: string, params: unknown[] = [], opts: { rowMode?: "array" | "object" } = {}): Promise<RemoteResults> {
    return this.#call({ op: "query", sql, params, rowMode: opts.rowMode });
  }

  exec(sql: string): Promise<RemoteResults[]> {
    return this.#call({ op: "exec", sql });
  }

  async copyFrom(sql: string, text: string): Promise<void> {
    await this.#call({ op: "copy", sql, text });
  }

  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it throws or calls
   * `rollback()`. The transaction's own queries go through its handle.
   */
  async transaction<T>(fn: (tx: RemoteTransaction) => Promise<T>): Promise<T> {
    const txId = this.#nextId;
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
        await this.#call({ op: "copy", tx: txId, sql, text });
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
    if (this.#dead) return;
    try {
      await this.#call({ op: "close" });
    } finally {
      await this.#worker.terminate();
    }
  }

  #call<T>(msg: Record<string, unknown>, id = this.#nextId): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    this.#nextId = Math.max(this.#nextId, id + 1);
    return new Promise<T>((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref(); // work outstanding keeps the process alive
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ ...msg, id });
    });
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }
}
