import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createAgent } from "../../src/agents/index.ts";
import { loadConfig } from "../../src/load/load.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { createLogger } from "../../src/log.ts";
import { startFakeServer } from "../helpers/agent-server.ts";
import { captureStream, tempFiles } from "../helpers/fixtures.ts";

describe("secrets", () => {
  it("are redacted from log messages, nested fields and errors", () => {
    const secrets = new Secrets();
    secrets.add("xoxb-123456-secret");
    const { lines, stream } = captureStream();
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

describe("values substituted into requests are secrets whatever their names", () => {
  const golden = "name: g\ncases:\n  - id: a\n    input: hi\n    assert: [ { contains: hi } ]\n";
  const env = {
    AGENT_URL: "", // set per test: the loopback agent
    SIG: "sig-4f9a1c7e2b",
    TENANT: "tenant-acme-eu-7",
    SESSION_SALT: "pepper-991827",
    JUDGE_URL: "https://judge.internal/v1",
    HOOK_SIG: "hooksig-55aa77",
    SLACK_GATEWAY: "https://slack-gw.internal/api/",
    SCHED: "@hourly",
    N: "3",
    SLACK_BOT_TOKEN: "xoxb-test-000111",
    Q: "0.9",
  };
  const configText = `agents:
  bot:
    kind: http
    url: "\${AGENT_URL}/reply?sig=\${SIG}"
    headers: { x-tenant: "\${TENANT}" }
    body: { message: "{{input}}", salt: "\${SESSION_SALT}" }
  demo: { kind: demo, quality: "\${Q}" }
judge: { base_url: "\${JUDGE_URL}", model: gpt-4o-2024-08-06 }
notify:
  webhook: { url: "https://hooks.internal/alert?sig=\${HOOK_SIG}" }
  slack: { token: "\${SLACK_BOT_TOKEN}", channel: "#oncall", api_url: "\${SLACK_GATEWAY}" }
jobs:
  j: { agent: bot, golden: g.yaml, schedule: "\${SCHED}", repeats: "\${N}" }
`;

  it("are registered when the config is read; values elsewhere stay readable", async () => {
    const dir = await tempFiles({ "goldwatch.config.yaml": configText, "g.yaml": golden });
    try {
      const loaded = await loadConfig(path.join(dir, "goldwatch.config.yaml"), { env: { ...env, AGENT_URL: "http://127.0.0.1:9" } });
      for (const name of ["SIG", "TENANT", "SESSION_SALT", "JUDGE_URL", "HOOK_SIG", "SLACK_GATEWAY"] as const) {
        expect(loaded.secrets.redact(`value: ${env[name]}`), name).toBe("value: [redacted]");
      }
      // Not request parts: typed and readable as before.
      expect(loaded.config.jobs.j).toMatchObject({ schedule: "@hourly", repeats: 3 });
      expect(loaded.config.agents.demo).toMatchObject({ quality: 0.9 });
      expect(loaded.secrets.redact("schedule @hourly")).toBe("schedule @hourly");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a URL signature echoed in an agent's error body is not kept, nor logged", async () => {
    // An agent that answers 500 and repeats the request line, as many proxies do.
    await using agent = await startFakeServer((req, res) => {
      res.writeHead(500, { "content-type": "text/plain" }).end(`upstream failed for POST ${req.url} salt=${JSON.stringify(req.body)}`);
    });
    const dir = await tempFiles({ "goldwatch.config.yaml": configText, "g.yaml": golden });
    try {
      const loaded = await loadConfig(path.join(dir, "goldwatch.config.yaml"), { env: { ...env, AGENT_URL: agent.url } });
      const bot = createAgent("bot", loaded.config.agents.bot!, { redact: (t) => loaded.secrets.redact(t) });
      const obs = await bot.call({ input: "hi", caseId: "a", trialId: "t", signal: new AbortController().signal });
      expect(agent.requests[0]!.url).toBe(`/reply?sig=${env.SIG}`);
      expect(obs.error).toMatchObject({ kind: "http", status: 500 });
      expect(obs.error!.message).toContain("/reply?sig=[redacted]");
      expect(obs.error!.message).not.toContain(env.SIG);
      expect(obs.error!.message).not.toContain(env.SESSION_SALT);
      const { lines, stream } = captureStream();
      createLogger({ secrets: loaded.secrets, destination: stream }).warn({ url: `${agent.url}/reply?sig=${env.SIG}` }, "agent failed");
      expect(lines.join("")).not.toContain(env.SIG);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
