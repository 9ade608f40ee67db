import { z } from "zod";

/** A chat message as OpenAI evals and Langfuse datasets write it (content as text or parts). */
export const chatMessage = z
  .object({
    role: z.string().min(1),
    content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()), z.null()]),
  })
  .loose();
export type ChatMessage = z.output<typeof chatMessage>;

const textOf = (m: ChatMessage): string =>
  typeof m.content === "string" ? m.content : (m.content ?? []).map((p) => p.text ?? "").join("");

/**
 * A conversation as the one text goldwatch sends an agent. A single user turn (after any system
 * messages) is that turn's text: the agent under test has its own system prompt, so the sample's
 * is reported, not sent. Several turns become a transcript, `role: text` per line.
 */
export function messagesToInput(messages: ChatMessage[]): { input: string; droppedSystem: boolean; transcript: boolean } {
  const rest = messages.filter((m) => m.role !== "system");
  const droppedSystem = rest.length < messages.length;
  if (rest.length === 1 && rest[0]!.role === "user") return { input: textOf(rest[0]!), droppedSystem, transcript: false };
  return { input: messages.map((m) => `${m.role}: ${textOf(m)}`).join("\n"), droppedSystem: false, transcript: true };
}
