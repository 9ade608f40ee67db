import { writeFile } from "node:fs/promises";
import { createApp, replayInputs, type App } from "../app.ts";
import { formatGate } from "../gate/format.ts";
import { gateJunit } from "../gate/junit.ts";
import { checkGateRequest, GateInputError, runGate, type GateDeps, type GateRequest, type GateResult } from "../gate/run-gate.ts";
import { createLogger, terminalDestination } from "../log.ts";
import { roundForDisplay } from "../round.ts";
import { openStore, preparePartitions } from "../store/open.ts";
import { handleInterrupts } from "./interrupts.ts";
import type { Command } from "./types.ts";

/**
 * Exit codes of `goldwatch gate`, for CI: 0 pass, 1 fail, 2 inconclusive, 3 error. Bad input
 * (unknown job or agent, a malformed option, an invalid config) is an error too, so 3 and not the
 * CLI's usual 2, which here means "inconclusive".
 */
export const GATE_EXIT = { pass: 0, fail: 1, inconclusive: 2, error: 3 } as const;

function parseNumber(name: string, raw: string | boolean | undefined): number | undefined {
  if (raw === undefined || typeof raw === "boolean") return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n)) throw new GateInputError(`--${name} expects a number, got "${raw}"`);
  return n;
}

/** The gate's services from the application: its database, clock, log and config, and how it replays a job. */
export function gateDeps(app: App): GateDeps {
  return {
    db: app.database.db,
    clock: app.clock,
    log: app.log,
    loaded: app.loaded,
    replayInputs: (jobName, agentName) => replayInputs(app, jobName, agentName),
  };
}

/** Everything a CI system needs from a verdict, without the per-case tables. */
function toJson(r: GateResult) {
  const brief = (s: GateResult["incumbent"]) => ({
    agent: s.agent,
    runId: s.runId,
    accuracy: s.accuracy?.estimate ?? null,
    trials: s.trials,
    errored: s.errored,
    costUsd: s.costUsd,
    p95Ms: s.latency.p95Ms,
    model: s.model,
  });
  return {
    ok: true,
    job: r.job,
    decision: r.verdict.decision,
    exitCode: GATE_EXIT[r.verdict.decision],
    verdict: r.verdict,
    cost: r.cost,
    incumbent: brief(r.incumbent),
    candidate: brief(r.candidate),
  };
}

export const gateCommand: Command = {
  summary:
    "release gate: candidate vs incumbent on a job's cases (gate <job> --candidate <agent>); exit 0 pass, 1 fail, 2 inconclusive, 3 error",
  options: {
    candidate: { type: "string" },
    baseline: { type: "string" },
    margin: { type: "string", default: "0.03" },
    repeats: { type: "string" },
    junit: { type: "string" },
  },
  badInputExit: GATE_EXIT.error,
  async run({ loaded, args, options, json }) {
    const fail = (message: string) => {
      if (json) process.stdout.write(`${JSON.stringify({ ok: false, exitCode: GATE_EXIT.error, error: message }, null, 2)}\n`);
      process.stderr.write(`goldwatch gate: ${message}\n`);
      return GATE_EXIT.error;
    };
    const jobName = args[0];
    const candidate = typeof options.candidate === "string" ? options.candidate : undefined;
    if (!jobName || !candidate)
      return fail(
        "usage: goldwatch gate <job> --candidate <agent> [--baseline <agent>] [--margin 0.03] [--repeats N] [--json] [--junit file]",
      );
    let request: GateRequest;
    try {
      const margin = parseNumber("margin", options.margin);
      const repeats = parseNumber("repeats", options.repeats);
      request = {
        jobName,
        candidate,
        ...(typeof options.baseline === "string" ? { incumbent: options.baseline } : {}),
        ...(margin !== undefined ? { margin } : {}),
        ...(repeats !== undefined ? { repeats } : {}),
      };
      // Before the database opens: bad input should fail fast.
      checkGateRequest(loaded, request);
    } catch (e) {
      return fail((e as Error).message);
    }
    // Logs go to stderr so stdout carries only the verdict (or its JSON).
    const log = createLogger({ secrets: loaded.secrets, destination: terminalDestination(2), level: process.env.LOG_LEVEL ?? "warn" });
    const interrupts = handleInterrupts(log, loaded.secrets, "the gate");
    let database;
    try {
      database = await openStore(loaded);
      await preparePartitions(database, loaded, log);
      const app = createApp(loaded, database, log);
      const result = await runGate(gateDeps(app), { ...request, signal: interrupts.signal, hurry: interrupts.hurry });
      const text = formatGate(result);
      if (typeof options.junit === "string") await writeFile(options.junit, gateJunit(result, text));
      process.stdout.write(json ? `${JSON.stringify(roundForDisplay(toJson(result)), null, 2)}\n` : `${text}\n`);
      return GATE_EXIT[result.verdict.decision];
    } catch (e) {
      return fail(loaded.secrets.redact((e as Error).message));
    } finally {
      interrupts.dispose();
      await database?.close();
    }
  },
};
