// A receiver's reply is read for its error message only, and never past 64 KB decoded: a webhook
// or PagerDuty endpoint (or whatever answers at its address) cannot make goldwatch inflate a bomb.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { pagerDutyNotifier } from "../../src/notify/pagerduty.ts";
import { webhookNotifier } from "../../src/notify/webhook.ts";
import { startFakeServer } from "../helpers/agent-server.ts";
import { notificationFixture } from "./notification-fixture.ts";

const notification = notificationFixture();

// 50 MB of zeros: about 50 KB on the wire.
const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));

describe("notify replies", () => {
  for (const [name, make] of [
    ["webhook", (url: string) => webhookNotifier({ url, headers: {}, timeoutMs: 10_000 }, { fetch, now: () => new Date() })],
    [
      "pagerduty",
      (url: string) =>
        pagerDutyNotifier({ routingKey: "R0UT1NGKEY-0001", apiUrl: url, timeoutMs: 10_000 }, { fetch, now: () => new Date() }),
    ],
  ] as const) {
    it(`${name}: a 5xx whose body is a gzip bomb is a retry with a short error, the body not inflated`, async () => {
      await using server = await startFakeServer((_req, res) => {
        res.writeHead(503, { "content-type": "text/plain", "content-encoding": "gzip", "content-length": String(bomb.length) }).end(bomb);
      });
      const out = await make(server.url).send(notification, { outboxId: 1, dedupKey: "k1" });
      expect(out.status).toBe("retry");
      expect((out as { error: string }).error).toBe("HTTP 503: (reply over 65536 bytes, not read)");
    });
  }

  it("a short error body is still quoted", async () => {
    await using server = await startFakeServer(
      (_req, res) => void res.writeHead(400, { "content-type": "text/plain" }).end("bad routing key"),
    );
    const out = await webhookNotifier({ url: server.url, headers: {}, timeoutMs: 10_000 }, { fetch, now: () => new Date() }).send(
      notification,
      {
        outboxId: 1,
        dedupKey: "k1",
      },
    );
    expect(out).toMatchObject({ status: "failed", error: "HTTP 400: bad routing key" });
  });
});
