import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snippet } from "../../src/agents/http-call.ts";
import { createHttpAgent } from "../../src/agents/http.ts";
import { createOpenAiAgent } from "../../src/agents/openai.ts";
import type { AgentDeps, AgentRequest } from "../../src/agents/types.ts";
import { agentSchema, type HttpAgentConfig, type OpenAiAgentConfig } from "../../src/config/schema.ts";
import type { JudgeConfig } from "../../src/config/schema.ts";
import { Secrets } from "../../src/config/secrets.ts";
import { callJudge } from "../../src/scoring/judge/client.ts";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";

const request = (): AgentRequest => ({ input: "refund?", caseId: "c", trialId: "t", signal: new AbortController().signal });

const httpAgent = (url: string, extra: Record<string, unknown> = {}, deps: AgentDeps = {}) =>
  createHttpAgent("bot", agentSchema.parse({ kind: "http", url, timeout: "20s", ...extra }) as HttpAgentConfig, deps);

const openAiAgent = (base_url: string, extra: Record<string, unknown> = {}) =>
  createOpenAiAgent(
    "oa",
    agentSchema.parse({ kind: "openai", base_url, model: "gpt-4o-mini-2024-07-18", timeout: "20s", ...extra }) as OpenAiAgentConfig,
  );

// 50 MB of JSON that gzips to about 50 KB: its content-length is far below any limit.
const BOMB_BYTES = 50 * 1024 * 1024;
let bomb: Buffer;
let bombServer: FakeServer;
beforeAll(async () => {
  const output = "a".repeat(BOMB_BYTES);
  bomb = gzipSync(
    JSON.stringify({ output, choices: [{ message: { content: output } }], usage: { prompt_tokens: 1, completion_tokens: 1 } }),
  );
  bombServer = await startFakeServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(bomb.length) });
    res.end(bomb);
  });
});
afterAll(() => bombServer.close());

describe("a gzip bomb is bounded by the decoded size", () => {
  it("is small on the wire", () => {
    expect(bomb.length).toBeLessThan(1024 * 1024);
  });

  it("http agent: the trial is a too_large error, not a 50 MB output", async () => {
    const obs = await httpAgent(bombServer.url, { max_response_bytes: 1024 * 1024 }).call(request());
    expect(obs.output).toBeNull();
    expect(obs.error).toMatchObject({ kind: "too_large", message: "reply larger than 1048576 bytes" });
  });

  it("http agent with the default limit (10 MB)", async () => {
    const obs = await httpAgent(bombServer.url).call(request());
    expect(obs.error).toMatchObject({ kind: "too_large" });
  });

  it("http agent with stream: the JSON reply is bounded too", async () => {
    const obs = await httpAgent(bombServer.url, { stream: "ndjson", max_response_bytes: 1024 * 1024 }).call(request());
    expect(obs.error).toMatchObject({ kind: "too_large" });
  });

  it("openai agent, whole and streamed", async () => {
    expect((await openAiAgent(bombServer.url, { max_response_bytes: 1024 * 1024 }).call(request())).error).toMatchObject({
      kind: "too_large",
    });
    expect((await openAiAgent(bombServer.url, { max_response_bytes: 1024 * 1024, stream: true }).call(request())).error).toMatchObject({
      kind: "too_large",
    });
  });

  it("a gzip reply within the limit is read as before", async () => {
    await using server = await startFakeServer((_req, res) => {
      const body = gzipSync(JSON.stringify({ output: "30 days" }));
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(body.length) });
      res.end(body);
    });
    const obs = await httpAgent(server.url).call(request());
    expect(obs).toMatchObject({ output: "30 days", error: null });
  });
});

describe("redirects are not followed unless the agent opts in", () => {
  it("a 307 is a trial error naming the Location's host; the body never reaches it", async () => {
    await using elsewhere = await startFakeServer((_req, res) => json(res, 200, { output: "stolen" }));
    await using agent = await startFakeServer((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${elsewhere.port}/collect?sig=abc` }).end();
    });
    const obs = await httpAgent(agent.url, { body: { message: "{{input}}" } }).call(request());
    expect(obs.output).toBeNull();
    expect(obs.error).toMatchObject({ kind: "http", status: 307 });
    expect(obs.error!.message).toContain(`redirected to localhost:${elsewhere.port} (HTTP 307)`);
    expect(obs.error!.message).toContain("follow_redirects: true");
    expect(obs.error!.message).not.toContain("sig=abc");
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("the openai adapter (whole and streamed) refuses redirects the same way", async () => {
    await using elsewhere = await startFakeServer((_req, res) => json(res, 200, {}));
    await using agent = await startFakeServer((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/v1/chat/completions` }).end();
    });
    for (const stream of [false, true]) {
      const obs = await openAiAgent(agent.url, { stream }).call(request());
      expect(obs.error).toMatchObject({ kind: "http", status: 302 });
      expect(obs.error!.message).toContain(`redirected to 127.0.0.1:${elsewhere.port}`);
    }
    expect(elsewhere.requests).toHaveLength(0);
  });

  it("follow_redirects: true follows them", async () => {
    await using target = await startFakeServer((_req, res) => json(res, 200, { output: "30 days" }));
    await using agent = await startFakeServer((_req, res) => {
      res.writeHead(307, { location: `${target.url}/agent` }).end();
    });
    const obs = await httpAgent(agent.url, { follow_redirects: true }).call(request());
    expect(obs).toMatchObject({ output: "30 days", error: null });
    expect(target.requests[0]).toMatchObject({ method: "POST", url: "/agent" });
  });
});

describe("only http(s) URLs are called", () => {
  it("the schema refuses file: and ftp: URLs for agents", () => {
    for (const url of ["file:///etc/passwd", "ftp://agent.internal/x"]) {
      const http = agentSchema.safeParse({ kind: "http", url });
      expect(http.success).toBe(false);
      expect(http.error!.issues[0]!.message).toContain("expected an http(s) URL");
      expect(agentSchema.safeParse({ kind: "openai", base_url: url, model: "m-2024-01-01" }).success).toBe(false);
    }
  });

  it("a file: URL that got past the schema is refused at call time, for every adapter", async () => {
    const cfg = { ...(agentSchema.parse({ kind: "http", url: "http://127.0.0.1:9/" }) as HttpAgentConfig), url: "file:///etc/passwd" };
    const obs = await createHttpAgent("bot", cfg).call(request());
    expect(obs.output).toBeNull();
    expect(obs.error).toMatchObject({ kind: "http", message: "refused to call a file: URL: only http and https are allowed" });
    const streamed = await createHttpAgent("bot", { ...cfg, stream: "ndjson" }).call(request());
    expect(streamed.error!.message).toContain("refused to call a file: URL");
    const base = agentSchema.parse({ kind: "openai", base_url: "http://127.0.0.1:9/", model: "m-2024-01-01" }) as OpenAiAgentConfig;
    for (const stream of [false, true]) {
      const oa = await createOpenAiAgent("oa", { ...base, base_url: "file:///tmp", stream }).call(request());
      expect(oa.error!.message).toContain("refused to call a file: URL");
    }
  });
});

describe("error excerpts are redacted before they are cut", () => {
  const token = "sk-live-SECRETTOKEN0123456789abcdef";
  // The token starts at character 107 of the excerpt, so a cut at 120 characters would keep 13 of it.
  const body = `${"x".repeat(100)} token=${token} and more text after it`;

  it("snippet redacts the whole text, then truncates", () => {
    expect(body.indexOf(token)).toBe(107);
    const secrets = new Secrets();
    secrets.add(token);
    const cut = snippet(body, (t) => secrets.redact(t));
    expect(cut).not.toContain("sk-live");
    expect(cut).toContain("token=[redacted]");
  });

  it("an HTTP error body with a token at character 107 keeps none of it", async () => {
    await using server = await startFakeServer((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" }).end(body);
    });
    const secrets = new Secrets();
    secrets.add(token);
    const obs = await httpAgent(server.url, {}, { redact: (t) => secrets.redact(t) }).call(request());
    expect(obs.error).toMatchObject({ kind: "http", status: 500 });
    expect(obs.error!.message).not.toContain("sk-live");
    expect(obs.error!.message).toContain("[redacted]");
    // What the engine does after: redacting again finds nothing left of the token.
    expect(secrets.redact(obs.error!.message)).toBe(obs.error!.message);
  });

  it("a secret split by whitespace in the body is still found (redaction runs before flattening)", () => {
    const secrets = new Secrets();
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX\n-----END KEY-----";
    secrets.add(pem);
    expect(snippet(`key: ${pem}`, (t) => secrets.redact(t))).toBe("key: [redacted]");
  });
});

describe("the judge's calls get the same protections", () => {
  const judgeConfig = (base_url: string): JudgeConfig => ({
    base_url,
    model: "gpt-4o-2024-08-06",
    timeout: 5_000,
    response_format: "json_schema",
  });
  const messages = [{ role: "user" as const, content: "evaluate" }];

  it("an error excerpt is redacted before it is cut, and a redirect is not followed", async () => {
    const token = "sk-live-JUDGEKEY0123456789abcdef";
    await using elsewhere = await startFakeServer((_req, res) => json(res, 200, {}));
    await using judge = await startFakeServer((req, res) => {
      if (req.url.startsWith("/redirect")) res.writeHead(308, { location: `${elsewhere.url}/v1/chat/completions` }).end();
      else res.writeHead(500, { "content-type": "text/plain" }).end(`${"x".repeat(100)} token=${token} rest`);
    });
    const secrets = new Secrets();
    secrets.add(token);
    const failed = await callJudge(judgeConfig(judge.url), messages, new AbortController().signal, undefined, (t) => secrets.redact(t));
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toContain("token=[redacted]");
    expect(!failed.ok && failed.error).not.toContain("sk-live");
    const redirected = await callJudge(judgeConfig(`${judge.url}/redirect`), messages, new AbortController().signal);
    expect(!redirected.ok && redirected.error).toContain(`redirected to 127.0.0.1:${elsewhere.port} (HTTP 308)`);
    expect(elsewhere.requests).toHaveLength(0);
  });
});
