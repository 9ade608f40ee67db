import type { Clock } from "../clock.ts";
import type { LoadedConfig } from "../load/load.ts";
import { insertAnnotation } from "../detect/store.ts";
import { executeRun, type ReplayInputs } from "../engine/run.ts";
import type { RunSummary } from "../engine/summary.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { compareCost, type CostComparison } from "./compare.ts";
import { decideGate, type GateCase, type GateVerdict } from "./decide.ts";
import { lockstep } from "./lockstep.ts";
import { loadTrialCosts } from "./store.ts";

/** Bad gate input (unknown job or agent, a margin out of range): the caller's mistake, exit 3 with the message. */
export class GateInputError extends Error {
  override name = "GateInputError";
}

/** What to compare. */
export interface GateRequest {
  jobName: string;
  candidate: string;
  /** The incumbent agent; default: the job's own agent. */
  incumbent?: string;
  /** Largest drop in accuracy (0–1) that still counts as "no worse"; default 0.03. */
  margin?: number;
  /** Repeats per case for both agents; default: the job's. */
  repeats?: number;
  /** One-sided level of each bound; default 0.05. */
  alpha?: number;
  signal?: AbortSignal;
  /** A second interrupt: unstored trials are spilled at once (see executeRun). */
  hurry?: AbortSignal;
}

/** The config a gate request is checked against: its jobs and agents, and its file for messages. */
export type GateConfig = Pick<LoadedConfig, "config" | "file">;

/** What the gate needs. */
export interface GateDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  loaded: GateConfig;
  /** The engine's services and run request for replaying the job against an agent (the application's replayInputs). */
  replayInputs(jobName: string, agentName: string): ReplayInputs;
}

/** Both runs, the verdict, and the price comparison. */
export interface GateResult {
  job: string;
  incumbent: RunSummary;
  candidate: RunSummary;
  verdict: GateVerdict;
  cost: CostComparison;
}

/**
 * Checks a gate request against the config before anything runs; throws GateInputError naming
 * what is wrong. Returns the incumbent's name and the margin to use.
 */
export function checkGateRequest(loaded: GateConfig, req: GateRequest): { incumbent: string; margin: number } {
  const { config, file } = loaded;
  const job = config.jobs[req.jobName];
  if (!job) throw new GateInputError(`unknown job "${req.jobName}" (jobs in ${file}: ${Object.keys(config.jobs).join(", ") || "none"})`);
  const incumbent = req.incumbent ?? job.agent;
  for (const [what, name] of [
    ["candidate", req.candidate],
    ["baseline", incumbent],
  ] as const) {
    if (!config.agents[name])
      throw new GateInputError(`unknown ${what} agent "${name}" (agents in ${file}: ${Object.keys(config.agents).join(", ") || "none"})`);
  }
  const margin = req.margin ?? 0.03;
  if (!(margin >= 0 && margin < 1))
    throw new GateInputError(`--margin must be a number from 0 to 1 (a share of accuracy, e.g. 0.03 for 3 points), got ${req.margin}`);
  if (req.repeats !== undefined && !(Number.isInteger(req.repeats) && req.repeats >= 1))
    throw new GateInputError(`--repeats must be a positive whole number, got ${req.repeats}`);
  if (req.alpha !== undefined && !(req.alpha > 0 && req.alpha < 0.5))
    throw new GateInputError(`alpha must be between 0 and 0.5, got ${req.alpha}`);
  return { incumbent, margin };
}

/**
 * `goldwatch gate`: replays the job's golden set against the incumbent and the candidate at the
 * same time, trial by trial in lockstep (src/gate/lockstep.ts), stores both runs with trigger
 * `gate` (the detectors leave them out of every baseline), decides non-inferiority with paired
 * per-case statistics (src/gate/decide.ts) and compares cost and latency. The verdict is also
 * recorded as an annotation on the job's timeline. Throws GateInputError for bad input and Error
 * when a run could not complete (a verdict on a partial run would be a guess).
 */
export async function runGate(deps: GateDeps, req: GateRequest): Promise<GateResult> {
  const { db, clock, log } = deps;
  const { incumbent: incumbentName, margin } = checkGateRequest(deps.loaded, req);
  const job = deps.loaded.config.jobs[req.jobName]!;

  const inc = deps.replayInputs(req.jobName, incumbentName);
  const cand = deps.replayInputs(req.jobName, req.candidate);
  const pair = lockstep();
  const jobConfig = req.repeats ? { ...job, repeats: req.repeats } : job;
  const replay = (inputs: typeof inc, turn: typeof pair.first) =>
    executeRun(inputs.deps, {
      ...inputs.request,
      job: jobConfig,
      beforeTrial: turn,
      trigger: "gate",
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.hurry ? { hurry: req.hurry } : {}),
    }).finally(() => pair.release());
  const [a, b] = await Promise.allSettled([replay(inc, pair.first), replay(cand, pair.second)]);
  if (a.status === "rejected") throw new Error(`the incumbent's run failed: ${(a.reason as Error).message}`, { cause: a.reason });
  if (b.status === "rejected") throw new Error(`the candidate's run failed: ${(b.reason as Error).message}`, { cause: b.reason });
  for (const s of [a.value, b.value]) {
    if (s.status !== "completed")
      throw new Error(`the run of ${s.agent} (${s.runId}) ended ${s.status}${s.error ? `: ${s.error}` : ""}; no verdict on a partial run`);
  }
  const [incumbent, candidate] = [a.value, b.value];
  const verdict = decideGate(gateCases(incumbent.perCase), gateCases(candidate.perCase), {
    margin,
    ...(req.alpha !== undefined ? { alpha: req.alpha } : {}),
  });
  const costs = await loadTrialCosts(db, [incumbent.runId, candidate.runId]);
  const cost = compareCost(
    { trials: costs.get(incumbent.runId) ?? [], p95Ms: incumbent.latency.p95Ms },
    { trials: costs.get(candidate.runId) ?? [], p95Ms: candidate.latency.p95Ms },
  );
  await insertAnnotation(db, {
    job: req.jobName,
    agent: candidate.agent,
    at: clock.now(),
    kind: "gate",
    message: `gate: ${candidate.agent} vs ${incumbent.agent}: ${verdict.decision} (${verdict.reason})`,
    runId: candidate.runId,
    data: {
      incumbentRunId: incumbent.runId,
      candidateRunId: candidate.runId,
      decision: verdict.decision,
      difference: verdict.difference,
      interval: verdict.interval,
      margin,
    },
  }).catch((e: Error) => log.warn({ err: e.message }, "could not record the gate annotation"));
  return { job: req.jobName, incumbent, candidate, verdict, cost };
}

/**
 * Per-case counts for the verdict. Unlike accuracy monitoring (where an outage is reported as
 * "agent down", not as drift), a release decision counts an agent error as a failed trial: the
 * user sees it, and a candidate that errors on the hard cases must not pass by dropping them.
 */
export function gateCases(perCase: readonly { id: string; passes: number; scored: number; errors: number }[]): GateCase[] {
  return perCase.map((c) => ({ id: c.id, passes: c.passes, scored: c.scored + c.errors }));
}
