// A local agent that answers at once (run in its own process so it does not share the
// benchmark's event loop): replies `{answer, usage, model}` echoing the input.
import { createServer } from "node:http";

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as { message?: string };
    const payload = JSON.stringify({
      answer: `The answer is 30 days. (${body.message ?? ""})`,
      usage: { in: 120, out: 12 },
      model: "echo-1",
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }).end(payload);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === "object" && addr ? addr.port : 0}\n`);
});
