// `goldwatch gate` under Ctrl-C: like `run`, the first signal stops both replays and the second
// skips the wait for the database; the process exits by itself (3: no verdict), never killed by
// the signal with its trials in memory.
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { serverUrl } from "../helpers/db.ts";
import { tempFiles } from "../helpers/fixtures.ts";
import { startGoldwatch, type ServeProcess } from "../helpers/serve-process.ts";
import { GOLDEN_8, startCountingAgent } from "./setup.ts";

const procs: ServeProcess[] = [];
afterAll(async () => {
  for (const p of procs) p.kill("SIGKILL");
});

const config = (url: string) => `database: ""
agents:
  bot: { kind: http, url: "${url}", body: { input: "{{input}}", trial: "{{trial_id}}" }, timeout: 60s }
  next: { kind: http, url: "${url}", body: { input: "{{input}}", trial: "{{trial_id}}" }, timeout: 60s }
jobs:
  probe: { agent: bot, golden: golden.yaml, schedule: "@hourly", repeats: 40, concurrency: 2 }
notify: { console: false }
`;

describe("goldwatch gate and signals", () => {
  // Embedded store only: the command's own database does not depend on TEST_DATABASE_URL.
  it.skipIf(Boolean(serverUrl))(
    "two SIGINTs: both replays stop, the second signal is handled, and the gate exits 3 by itself",
    async () => {
      await using agent = await startCountingAgent(150);
      const dir = await tempFiles({ "goldwatch.config.yaml": config(agent.url), "golden.yaml": GOLDEN_8 });
      const p = startGoldwatch(["gate", "probe", "--candidate", "next", "--config", path.join(dir, "goldwatch.config.yaml")], {
        env: { LOG_LEVEL: "warn" },
        logsOn: "stderr",
      });
      procs.push(p);
      await vi.waitFor(() => expect(agent.answered.size).toBeGreaterThan(6), { timeout: 30_000, interval: 50 });
      p.kill("SIGINT");
      await p.waitForLog((l) => String(l.msg).startsWith("interrupted: stopping the gate"));
      p.kill("SIGINT");
      expect(await p.exited).toBe(3);
      expect(p.logs.some((l) => String(l.msg).startsWith("second signal"))).toBe(true);
      // Far fewer than the 2 × 320 trials: the replays stopped.
      expect(agent.answered.size).toBeLessThan(100);
    },
    90_000,
  );
});
