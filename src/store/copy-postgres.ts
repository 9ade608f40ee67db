import type { Sql } from "postgres";

/**
 * COPY … FROM stdin through postgres.js, in a transaction. postgres.js never settles a COPY that
 * the server rejects after its data (a duplicate key on a retried batch): the query's promise was
 * already resolved with the stream, and its stream may even report "finish". The transaction tells
 * instead: after a failed COPY it is aborted, so the probe behind it fails and nothing is
 * committed. Throws then; it never waits forever.
 */
export async function copyToServer(client: Sql, statement: string, text: string): Promise<void> {
  await client.begin(async (tx) => {
    const stream = await tx.unsafe(statement).writable();
    stream.on("error", () => undefined); // the outcome is read from the probe
    await new Promise<void>((resolve, reject) => stream.write(text, (e) => (e ? reject(e) : resolve())));
    stream.end();
    await afterCopy(() => tx`select 1`);
  });
}

/**
 * Runs a statement once postgres.js has handed the COPY's end to the server: it does so on a later
 * tick, and refuses statements until then (COPY_IN_PROGRESS).
 */
async function afterCopy<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await new Promise((resolve) => setImmediate(resolve));
    try {
      return await statement();
    } catch (e) {
      if ((e as { code?: string }).code !== "COPY_IN_PROGRESS" || attempt >= 100) throw e;
    }
  }
}
