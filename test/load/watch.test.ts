import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/load/load.ts";
import { watchConfig } from "../../src/load/watch.ts";
import { createLogger } from "../../src/log.ts";
import { tempFiles } from "../helpers/fixtures.ts";

const golden = `name: g\ncases:\n  - id: a\n    input: "hello"\n    assert:\n      - contains: "hi"\n`;
const config = (repeats: number) =>
  `agents:\n  bot: { kind: demo }\njobs:\n  j: { agent: bot, golden: g.yaml, schedule: "@hourly", repeats: ${repeats} }\n`;

describe("watchConfig", () => {
  it("logs a file-triggered reload that fails while applying (it was swallowed silently)", async () => {
    const dir = await tempFiles({ "goldwatch.config.yaml": config(3), "g.yaml": golden });
    const file = path.join(dir, "goldwatch.config.yaml");
    const current = await loadConfig(file, { env: {} });
    const errors: string[] = [];
    const log = createLogger({ level: "silent" });
    log.error = ((obj: unknown, msg?: string) => void errors.push(`${msg} ${JSON.stringify(obj)}`)) as typeof log.error;
    const watcher = watchConfig({
      current: () => current,
      load: (f) => loadConfig(f, { env: {} }),
      apply: () => {
        throw new Error("scheduler refused the new jobs");
      },
      log,
      debounceMs: 10,
    });
    try {
      await writeFile(file, config(4));
      await vi.waitFor(() => expect(errors.join("\n")).toContain("scheduler refused the new jobs"), { timeout: 10_000, interval: 20 });
    } finally {
      await watcher.stop();
    }
  });
});
