import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { cronerBackend } from "../../src/cron/backend.ts";
import { EXPRESSIONS, nextTimesTable, STARTS, ZONES } from "./table.ts";

const root = path.resolve(import.meta.dirname, "../..");
const bun = path.join(root, "node_modules/.bin/bun");

describe("Bun.cron and croner", () => {
  it.skipIf(!existsSync(bun))(
    "agree on the next fire times for a table of expressions, zones and instants",
    async () => {
      // The same table computed by a real Bun process with Bun.cron as the engine.
      const script = `
      import { bunBackend, bunCron } from "./src/cron/backend.ts";
      import { nextTimesTable } from "./test/cron/table.ts";
      if (!bunCron()) throw new Error("Bun.cron missing");
      process.stdout.write(JSON.stringify(nextTimesTable(bunBackend(bunCron()))));`;
      const { stdout } = await promisify(execFile)(bun, ["-e", script], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
      const fromBun = JSON.parse(stdout) as Record<string, string[]>;
      const fromCroner = nextTimesTable(cronerBackend);
      expect(Object.keys(fromCroner)).toHaveLength(EXPRESSIONS.length * ZONES.length * STARTS.length);
      const differ = Object.keys(fromCroner).filter((k) => JSON.stringify(fromCroner[k]) !== JSON.stringify(fromBun[k]));
      expect(differ, differ.map((k) => `${k}\n  croner ${fromCroner[k]}\n  bun    ${fromBun[k]}`).join("\n")).toEqual([]);
      // A spot check that the table is not trivially empty.
      expect(fromCroner["0 0 29 2 * | UTC | 2026-03-08T05:30:00Z"]![0]).toBe("2028-02-29T00:00:00.000Z");
    },
    60_000,
  );
});
