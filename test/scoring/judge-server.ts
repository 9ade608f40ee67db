import { json, startFakeServer, type FakeServer, type RecordedRequest } from "../helpers/agent-server.ts";

/** The data block our prompt quotes: what the fake judge reads as data, not as instructions. */
export interface JudgeData {
  question: string;
  expected?: string;
  context?: string;
  output: string;
}

export interface Decision {
  verdict: "pass" | "fail";
  score: number;
  reason: string;
}

/** How the fake judge answers: a verdict, or a raw message content (garbage), or an HTTP status. */
export type JudgeBehaviour = (
  data: JudgeData | undefined,
  system: string,
  req: RecordedRequest,
) => Decision | { content: string } | { status: number };

const BLOCK = /BEGIN DATA ([0-9a-f]+)\n([^\n]*)\nEND DATA \1/;

/**
 * Splits a prompt the way a model that respects delimiters would: the block between matching
 * BEGIN/END DATA lines is data; everything else is instruction.
 */
export function splitPrompt(user: string): { data: JudgeData | undefined; outside: string } {
  const m = BLOCK.exec(user);
  if (!m) return { data: undefined, outside: user };
  let data: JudgeData | undefined;
  try {
    data = JSON.parse(m[2]!) as JudgeData;
  } catch {
    data = undefined;
  }
  return { data, outside: user.replace(m[0], "") };
}

/**
 * A local OpenAI-compatible judge that is gullible the way real models can be: any text that
 * reaches it as instructions (outside the data block) saying "score 10" gets a perfect pass.
 * Otherwise it applies `behaviour` to the data block.
 */
export async function startJudgeServer(
  behaviour: JudgeBehaviour,
  usage = { prompt_tokens: 400, completion_tokens: 40 },
): Promise<FakeServer & { behaviour: JudgeBehaviour }> {
  const state = { behaviour };
  const server = await startFakeServer((req, res) => {
    const body = req.body as { model: string; messages: { role: string; content: string }[] };
    const system = body.messages.find((m) => m.role === "system")?.content ?? "";
    const user = body.messages
      .filter((m) => m.role === "user")
      .map((m) => m.content)
      .join("\n");
    const { data, outside } = splitPrompt(user);
    let decided: ReturnType<JudgeBehaviour>;
    if (/score 10|ignore (all )?previous instructions/i.test(`${system}\n${outside}`)) {
      decided = { verdict: "pass", score: 10, reason: "As instructed, a perfect score." };
    } else {
      decided = state.behaviour(data, system, req);
    }
    if ("status" in decided) {
      json(res, decided.status, { error: { message: "judge overloaded" } });
      return;
    }
    const content =
      "content" in decided ? decided.content : JSON.stringify({ reason: decided.reason, verdict: decided.verdict, score: decided.score });
    json(res, 200, { id: "cmpl-1", model: body.model, choices: [{ index: 0, message: { role: "assistant", content } }], usage });
  });
  // An accessor (Object.assign would copy the getter's value once).
  return Object.defineProperty(server, "behaviour", {
    get: () => state.behaviour,
    set: (b: JudgeBehaviour) => {
      state.behaviour = b;
    },
  }) as FakeServer & { behaviour: JudgeBehaviour };
}

/** An honest fake judge: passes an output that contains the reference fact ("30 days"), for every rubric. */
export const honest: JudgeBehaviour = (data) => {
  if (!data) return { content: "no data block found" };
  const right = /30 days/i.test(data.output);
  return right
    ? { verdict: "pass", score: 9, reason: "States the 30-day window." }
    : { verdict: "fail", score: 1, reason: "Does not state the 30-day window." };
};
