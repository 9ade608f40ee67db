// The load generator of `npm run bench -- ingest`, run as a child process so its CPU and memory
// are not the receiver's: posts one prepared body over `concurrency` keep-alive connections for
// `seconds`, and prints the counts as JSON.
import { readFileSync } from "node:fs";
import { Agent, request } from "node:http";

const [url, token, file, contentType, encoding, seconds, concurrency] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const body = readFileSync(file);
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const target = new URL(url);
const until = Date.now() + Number(seconds) * 1000;
const counts = { ok: 0, refused: 0, other: 0 };

function post(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": contentType,
          "content-length": body.length,
          ...(encoding === "gzip" ? { "content-encoding": "gzip" } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (Date.now() < until) {
      const status = await post();
      if (status === 200) counts.ok++;
      else if (status === 429 || status === 503) {
        counts.refused++;
        await new Promise((r) => setTimeout(r, 50));
      } else counts.other++;
    }
  }),
);
agent.destroy();
console.log(JSON.stringify(counts));
