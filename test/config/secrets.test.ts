import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Secrets } from "../../src/config/secrets.ts";
import { createLogger } from "../../src/log.ts";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream };
}

describe("secrets", () => {
  it("are redacted from log messages, nested fields and errors", () => {
    const secrets = new Secrets();
    secrets.add("xoxb-123456-secret");
    const { lines, stream } = capture();
    const log = createLogger({ secrets, destination: stream, level: "info" });
    log.info(
      { url: "https://hooks.example/xoxb-123456-secret", nested: { list: ["a", "xoxb-123456-secret"] } },
      "calling with xoxb-123456-secret",
    );
    log.error({ err: new Error("auth xoxb-123456-secret rejected") }, "failed");
    log.info({ headers: { authorization: "Bearer anything" }, token: "plain-token-not-from-env" }, "credentials by name");
    const out = lines.join("");
    expect(out).not.toContain("xoxb-123456-secret");
    expect(out).not.toContain("Bearer anything");
    expect(out).not.toContain("plain-token-not-from-env");
    expect(out).toContain("[redacted]");
    expect(out).toContain("calling with [redacted]");
    expect(out).toContain("auth [redacted] rejected");
  });

  it("redact a longer secret whole when a shorter one is part of it", () => {
    // e.g. PGPASSWORD read before a DATABASE_URL that contains it.
    const secrets = new Secrets();
    secrets.add("hunter2pass");
    secrets.add("postgres://app:hunter2pass@db.internal:5432/prod");
    expect(secrets.redact("cannot reach postgres://app:hunter2pass@db.internal:5432/prod")).toBe("cannot reach [redacted]");
  });

  it("ignore values too short to be credentials", () => {
    const secrets = new Secrets();
    secrets.add("abc");
    expect(secrets.redact("abc def")).toBe("abc def");
  });
});
