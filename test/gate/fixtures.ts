import path from "node:path";
import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";
import { tempFiles } from "../helpers/fixtures.ts";

/** Ten cases; each agent's reply says "right" unless its case is in the agent's `wrong` set. */
export const CASES = Array.from({ length: 10 }, (_, i) => `case-${i}`);

/** A real HTTP agent on loopback that answers wrong for some cases, and a log of request arrivals shared by both agents. */
export async function startAgent(name: string, wrong: ReadonlySet<string>, arrivals: string[]): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    const caseId = (req.body as { case: string }).case;
    arrivals.push(name);
    json(res, 200, { answer: wrong.has(caseId) ? "wrong" : "right", usage: { in: name === "candidate" ? 200 : 100, out: 10 } });
  });
}

/** A config with an incumbent and a candidate agent on the given servers and one job over the ten cases. */
export async function gateFiles(
  incumbent: FakeServer,
  candidate: FakeServer,
  opts: { repeats?: number; concurrency?: number } = {},
): Promise<string> {
  const agent = (s: FakeServer) => `
    kind: http
    url: ${s.url}/agent
    body: { q: "{{input}}", case: "{{case_id}}" }
    response: { output: $.answer, input_tokens: $.usage.in, output_tokens: $.usage.out }
    pricing: { input_per_mtok: 3, output_per_mtok: 15 }`;
  const dir = await tempFiles({
    "goldwatch.config.yaml": `database: \${GW_TEST_DATABASE:-}
agents:
  incumbent-bot:${agent(incumbent)}
  candidate-bot:${agent(candidate)}
jobs:
  support:
    agent: incumbent-bot
    golden: golden.yaml
    schedule: "0 * * * *"
    repeats: ${opts.repeats ?? 3}
    concurrency: ${opts.concurrency ?? 1}
`,
    "golden.yaml": `name: gate-test
cases:
${CASES.map((id) => `  - id: ${id}\n    input: "question ${id}"\n    assert:\n      - contains: right`).join("\n")}
`,
  });
  return path.join(dir, "goldwatch.config.yaml");
}
