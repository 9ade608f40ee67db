import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.ts";
import { bearerGuard } from "../../src/server/auth.ts";
import { readJson, sendJson, startHttpServer } from "../../src/server/http.ts";
import { compileRoutes } from "../../src/server/router.ts";

describe("router", () => {
  it("matches METHOD /path/:param routes and decodes parameters", () => {
    const h = () => {};
    const match = compileRoutes({ "GET /a": h, "POST /api/jobs/:job/run": h, "GET /api/jobs/:job": h });
    expect(match("POST", "/api/jobs/support%20bot/run")).toMatchObject({ kind: "found", params: { job: "support bot" } });
    expect(match("GET", "/api/jobs/x")).toMatchObject({ kind: "found", params: { job: "x" } });
    expect(match("HEAD", "/a")).toMatchObject({ kind: "found" });
    expect(match("GET", "/api/jobs/x/run")).toEqual({ kind: "wrong-method", allow: ["POST"] });
    expect(match("GET", "/api/jobs//run")).toEqual({ kind: "not-found" });
    expect(match("GET", "/b")).toEqual({ kind: "not-found" });
    expect(() => compileRoutes({ "get /a": h })).toThrow(/must look like "GET \/path"/);
  });

  it("serves over real HTTP: 404, 405, bodies, and a 500 when a handler throws (the server stays up)", async () => {
    const server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      log: silentLogger(),
      routes: {
        "POST /echo/:id": async (req, res, params) => sendJson(res, 200, { id: params.id, body: await readJson(req, 64) }),
        "GET /boom": () => {
          throw new Error("secret internals");
        },
      },
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const ok = await fetch(`${base}/echo/7`, { method: "POST", body: JSON.stringify({ a: 1 }) });
      expect(await ok.json()).toEqual({ id: "7", body: { a: 1 } });
      expect((await fetch(`${base}/echo/7`, { method: "POST", body: "{nope" })).status).toBe(400);
      expect((await fetch(`${base}/echo/7`, { method: "POST", body: "x".repeat(100) })).status).toBe(413);
      const wrong = await fetch(`${base}/echo/7`);
      expect([wrong.status, wrong.headers.get("allow")]).toEqual([405, "POST"]);
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
      const boom = await fetch(`${base}/boom`);
      expect(boom.status).toBe(500);
      expect(await boom.text()).not.toContain("secret internals");
      expect((await fetch(`${base}/echo/8`, { method: "POST" })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("answers 400 to a request target that is not a URL, instead of leaving the request hanging", async () => {
    const server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      log: silentLogger(),
      routes: { "GET /a": (_req, res) => sendJson(res, 200, {}) },
    });
    try {
      // fetch cannot send such a target: write the request by hand.
      const reply = await new Promise<string>((resolve, reject) => {
        let data = "";
        const socket = connect(server.port, "127.0.0.1", () =>
          socket.end("GET //x:99999/ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"),
        );
        socket
          .setEncoding("utf8")
          .on("data", (d: string) => (data += d))
          .on("end", () => resolve(data))
          .on("error", reject);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    } finally {
      await server.stop();
    }
  });

  it("bearer guard: off without a token (404), 401 on a missing or wrong token, through with the right one", async () => {
    const handler = bearerGuard("s3cret-token", (_req, res) => sendJson(res, 200, { ok: true }));
    const off = bearerGuard(undefined, (_req, res) => sendJson(res, 200, { ok: true }));
    const server = await startHttpServer({
      port: 0,
      host: "127.0.0.1",
      log: silentLogger(),
      routes: { "POST /x": handler, "POST /off": off },
    });
    const url = `http://127.0.0.1:${server.port}`;
    try {
      expect((await fetch(`${url}/x`, { method: "POST" })).status).toBe(401);
      expect((await fetch(`${url}/x`, { method: "POST", headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      expect((await fetch(`${url}/x`, { method: "POST", headers: { authorization: "Basic s3cret-token" } })).status).toBe(401);
      expect((await fetch(`${url}/x`, { method: "POST", headers: { authorization: "Bearer s3cret-token" } })).status).toBe(200);
      expect((await fetch(`${url}/off`, { method: "POST", headers: { authorization: "Bearer anything" } })).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});
