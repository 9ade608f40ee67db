import { json, startFakeServer, type FakeServer } from "../helpers/agent-server.ts";

/** The data block of a pairwise prompt, as a delimiter-respecting model reads it. */
export interface PairData {
  question: string;
  first: string;
  second: string;
}

/** A pairwise judge's answer: a winner by position, or a raw message (garbage). */
export type PairBehaviour = (data: PairData) => { winner: "first" | "second" | "tie"; reason?: string } | { content: string };

const BLOCK = /BEGIN DATA ([0-9a-f]+)\n([^\n]*)\nEND DATA \1/;

/** A local OpenAI-compatible pairwise judge that applies `behaviour` to the data block. */
export async function startPairJudge(behaviour: PairBehaviour, usage = { prompt_tokens: 500, completion_tokens: 30 }): Promise<FakeServer> {
  return startFakeServer((req, res) => {
    const body = req.body as { model: string; messages: { role: string; content: string }[] };
    const user = body.messages
      .filter((m) => m.role === "user")
      .map((m) => m.content)
      .join("\n");
    const m = BLOCK.exec(user);
    const data = m ? (JSON.parse(m[2]!) as PairData) : undefined;
    const decided = data ? behaviour(data) : { content: "no data block" };
    const content =
      "content" in decided ? decided.content : JSON.stringify({ reason: decided.reason ?? "compared", winner: decided.winner });
    json(res, 200, { id: "cmpl-1", model: body.model, choices: [{ index: 0, message: { role: "assistant", content } }], usage });
  });
}

/** Always the answer shown first: pure position bias. */
export const firstPosition: PairBehaviour = () => ({ winner: "first", reason: "The first answer is better." });
/** The longer answer; equal lengths tie. */
export const longer: PairBehaviour = ({ first, second }) => ({
  winner: first.length > second.length ? "first" : first.length < second.length ? "second" : "tie",
});
/** Never a verdict the schema accepts. */
export const garbage: PairBehaviour = () => ({ content: "Honestly, both are fine, I'd go with the first one!" });
/** Prefers an answer marked correct; both or neither: tie. */
export const honestPair: PairBehaviour = ({ first, second }) => {
  const a = first.includes("[correct]");
  const b = second.includes("[correct]");
  return { winner: a === b ? "tie" : a ? "first" : "second" };
};
