import path from "node:path";
import { gzipSync } from "node:zlib";
import type { ServerResponse } from "node:http";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase, queryRows, type Database } from "../../src/store/db.ts";
import { startFakeServer, type RecordedRequest } from "../helpers/agent-server.ts";
import { serverDatabase, serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startGoldwatch, type ServeProcess } from "../helpers/serve-process.ts";
import { startFakeSlack } from "../helpers/slack-server.ts";

const MB = 1024 * 1024;

/** One case per hostile reply; `ok` is the control. */
const FAULTS = ["ok", "hang", "http500", "html", "huge", "gzip_bomb", "reset", "bad_utf8"] as const;
type Fault = (typeof FAULTS)[number];

// 50 MB of JSON that gzip packs into about 50 KB: its content-length passes any byte limit.
const BOMB = gzipSync(Buffer.from(`{"output":"ok","pad":"${" ".repeat(50 * MB)}"}`));

/** Writes `bytes` of JSON padding in 1 MB chunks, honouring backpressure, until done or the client hangs up. */
async function stream(res: ServerResponse, bytes: number): Promise<void> {
  res.writeHead(200, { "content-type": "application/json" });
  res.write('{"output":"ok","pad":"');
  const chunk = Buffer.alloc(MB, 0x20);
  for (let sent = 0; sent < bytes && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await new Promise((r) => (res.once("drain", r), res.once("close", r)));
  }
  if (!res.destroyed) res.end('"}');
}

/** The agent stand-in: the case id in the request says which fault to play. */
async function hostileAgent() {
  return startFakeServer(async (req: RecordedRequest, res: ServerResponse) => {
    const fault = String((req.body as { input?: unknown }).input) as Fault;
    switch (fault) {
      case "hang":
        return new Promise<void>((resolve) => res.on("close", resolve)); // never answers
      case "http500":
        return res.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal"}');
      case "html":
        return res.writeHead(200, { "content-type": "text/html" }).end("<html><body><h1>502 Bad Gateway</h1></body></html>");
      case "huge":
        return stream(res, 50 * MB);
      case "gzip_bomb":
        return res
          .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": BOMB.length })
          .end(BOMB);
      case "reset":
        res.writeHead(200, { "content-type": "application/json" });
        // Reset once the first bytes are on their way, so the client sees the body cut short.
        return new Promise<void>((r) => res.write('{"output":"o', () => (res.socket?.destroy(), r())));
      case "bad_utf8":
        return res
          .writeHead(200, { "content-type": "application/json" })
          .end(Buffer.concat([Buffer.from('{"output":"ok '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]));
      default:
        return res.writeHead(200, { "content-type": "application/json" }).end('{"output":"ok"}');
    }
  });
}

const GOLDEN = `name: hostile
cases:
${FAULTS.map((f) => `  - id: ${f}\n    input: ${f}\n    assert: [{ contains: "ok" }]\n`).join("")}`;

const CONFIG = (agentUrl: string, slackUrl: string) => `database: \${DATABASE_URL:-}
agents:
  bot:
    kind: http
    url: ${agentUrl}
    timeout: 2s
    max_response_bytes: 1000000
jobs:
  probe: { agent: bot, golden: golden.yaml, schedule: "0 0 1 1 *", repeats: 2, concurrency: 8 }
notify:
  console: false
  slack: { token: "\${SLACK_BOT_TOKEN}", channel: "#agent-oncall", api_url: "${slackUrl}" }
`;

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) {
    p.kill("SIGKILL");
    await p.exited;
  }
});

describe("faults: hostile agent replies (a real goldwatch run against a loopback stand-in)", () => {
  it("hang, 500, HTML, a 50 MB body, a gzip bomb, a reset mid-body and invalid UTF-8: every trial stored as the agent's error, one page", async () => {
    await using agent = await hostileAgent();
    await using slack = await startFakeSlack({ token: "xoxb-faults-token" });
    const server = serverUrl ? await serverDatabase() : undefined;
    const dir = await tempFiles({ "goldwatch.config.yaml": CONFIG(agent.url, slack.apiUrl), "golden.yaml": GOLDEN });
    const p = startGoldwatch(["run", "probe", "--json", "--config", path.join(dir, "goldwatch.config.yaml")], {
      env: { SLACK_BOT_TOKEN: "xoxb-faults-token", LOG_LEVEL: "warn", ...(server ? { DATABASE_URL: server.url } : {}) },
      logsOn: "stderr",
    });
    procs.push(p);
    const code = await p.exited;
    expect(p.stderr()).not.toContain("uncaught");
    expect(code).toBe(0); // the run completed: agent faults are data, not a crash
    const summary = JSON.parse(p.stdout()) as { status: string; trials: number; errored: number };
    expect(summary).toMatchObject({ status: "completed", trials: 16 });

    // Read what the process stored: the server schema, or its embedded database once it has exited.
    const database: Database = server ?? (await openDatabase({ dataDir: path.join(dir, ".goldwatch", "pgdata") }));
    try {
      const rows = await queryRows<{ case_id: string; status: string; error_kind: string | null; output: string | null }>(
        database.db,
        sql`select case_id, status, error_kind, output from trials order by case_id, repeat`,
      );
      // Zero lost trials: 8 cases × 2 repeats, each stored once.
      expect(rows).toHaveLength(16);
      const byCase = Object.fromEntries(FAULTS.map((f) => [f, rows.filter((r) => r.case_id === f)]));
      const kinds = (f: Fault) => [...new Set(byCase[f]!.map((r) => `${r.status}/${r.error_kind}`))];
      expect(kinds("ok")).toEqual(["pass/null"]);
      expect(kinds("hang")).toEqual(["error/timeout"]);
      expect(kinds("http500")).toEqual(["error/http"]);
      expect(kinds("html")).toEqual(["error/parse"]);
      expect(kinds("huge")).toEqual(["error/too_large"]);
      expect(kinds("gzip_bomb")).toEqual(["error/too_large"]);
      expect(kinds("reset")).toEqual(["error/network"]);
      // Invalid bytes become U+FFFD; the reply arrived and is scored on what it says.
      expect(kinds("bad_utf8")).toEqual(["pass/null"]);
      expect(byCase.bad_utf8![0]!.output).toContain("ok \uFFFD");
      for (const r of rows) expect((r.output ?? "").length).toBeLessThan(64 * 1024);

      // Zero lost or doubled pages: the agent-down alert reached Slack once, and nothing is left queued.
      expect(slack.roots()).toHaveLength(1);
      const outbox = await queryRows<{ status: string; n: number }>(
        database.db,
        sql`select status, count(*)::int as n from alert_outbox group by status`,
      );
      expect(outbox.map((o) => [o.status, Number(o.n)])).toEqual([["sent", 1]]);
    } finally {
      await database.close();
    }
  }, 90_000);
});
