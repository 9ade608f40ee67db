import { Writable } from "node:stream";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Observation } from "../../src/agents/types.ts";
import { tempDir } from "./temp.ts";

/** Writes files into a fresh temporary folder (removed when the test file ends) and returns its path. */
export async function tempFiles(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** An agent's observation for tests: a plain reply ("ok", no steps, no spend) with `over` applied. */
export const observation = (over: Partial<Observation> = {}): Observation => ({
  output: "ok",
  steps: [],
  usage: { inputTokens: 0, outputTokens: 0 },
  model: null,
  fingerprint: null,
  latencyMs: 1,
  costUsd: 0,
  error: null,
  ...over,
});

/** A writable stream that keeps every chunk as a line, to check what a logger wrote. */
export function captureStream(): { lines: string[]; stream: Writable; text: () => string } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, stream, text: () => lines.join("") };
}
