import type { Agent, AgentRequest, Observation, TrialMeter, TrialProgress } from "../agents/types.ts";
import type { Clock } from "../clock.ts";

/** The bounds of `budget.trial` a trial can pass. */
export type BudgetBound = "tokens" | "usd" | "steps" | "ttl";

/** `budget.trial` as configured: every bound optional; ttl in milliseconds. */
export interface TrialBounds {
  tokens?: number | undefined;
  usd?: number | undefined;
  steps?: number | undefined;
  ttl?: number | undefined;
}

/** The bound a trial passed, its limit and what was observed. */
export interface BudgetTrip {
  bound: BudgetBound;
  limit: number;
  observed: number;
}

/** The first bound that `p` passes (strictly more than the limit), or undefined. Pure. */
export function crossedBound(bounds: TrialBounds, p: TrialProgress): BudgetTrip | undefined {
  const tokens = p.usage.inputTokens + p.usage.outputTokens;
  if (bounds.tokens !== undefined && tokens > bounds.tokens) return { bound: "tokens", limit: bounds.tokens, observed: tokens };
  if (bounds.usd !== undefined && p.costUsd > bounds.usd) return { bound: "usd", limit: bounds.usd, observed: p.costUsd };
  if (bounds.steps !== undefined && p.steps > bounds.steps) return { bound: "steps", limit: bounds.steps, observed: p.steps };
  return undefined;
}

const fmt: Record<BudgetBound, (n: number) => string> = {
  tokens: (n) => `${n.toLocaleString("en-US")} tokens`,
  usd: (n) => `$${n.toFixed(4)}`,
  steps: (n) => `${n} steps`,
  ttl: (n) => `${(n / 1000).toFixed(1)} s`,
};

/** `trial budget exceeded: 20,513 tokens > 20,000 tokens (budget.trial.tokens)`. */
export function describeTrip(t: BudgetTrip): string {
  return `trial budget exceeded: ${fmt[t.bound](t.observed)} > ${fmt[t.bound](t.limit)} (budget.trial.${t.bound})`;
}

/** Nothing to enforce: the common case needs no timer. */
const unbounded = (b: TrialBounds) => b.tokens === undefined && b.usd === undefined && b.steps === undefined && b.ttl === undefined;

/** Whether any of a reply had arrived: streamed progress, or an observation with output, steps or tokens. */
const replyArrived = (obs: Observation): boolean =>
  obs.output !== null || obs.steps.length > 0 || obs.usage.inputTokens + obs.usage.outputTokens > 0;

/**
 * One trial's budget. The adapter gets `signal` (aborted when the run aborts or a bound trips) and
 * reports streamed progress through `progress`; `ttl` runs on the injected clock. `settle` turns
 * the observation into `budget_exceeded` with the bound that tripped, keeping the partial output,
 * steps and spend, and checks replies that were not streamed when they arrive.
 *
 * `ttl` before any reply arrived is not a runaway but an agent that did not answer: settled as a
 * `timeout` error (availability, never accuracy). Once a streamed reply has started arriving (one
 * event reported through `progress`, or anything in the observation), a `ttl` trip stays
 * `budget_exceeded`: the agent was answering, at length.
 */
export class TrialBudget implements TrialMeter {
  readonly signal: AbortSignal;
  readonly #bounds: TrialBounds;
  readonly #clock: Clock;
  readonly #startedAt: number;
  // Created only when a bound needs them: aborting controllers is measurable on the hot path.
  readonly #abort: AbortController | undefined;
  readonly #timer: AbortController | undefined;
  #trip: BudgetTrip | undefined;
  #progressed = false;

  constructor(bounds: TrialBounds, opts: { clock: Clock; signal: AbortSignal }) {
    this.#bounds = bounds;
    this.#clock = opts.clock;
    this.#startedAt = opts.clock.now().getTime();
    if (!unbounded(bounds)) this.#abort = new AbortController();
    this.signal = this.#abort ? AbortSignal.any([opts.signal, this.#abort.signal]) : opts.signal;
    if (bounds.ttl !== undefined) {
      const ttl = bounds.ttl;
      this.#timer = new AbortController();
      opts.clock.sleep(ttl, this.#timer.signal).then(
        () => this.#tripWith({ bound: "ttl", limit: ttl, observed: Math.max(ttl, this.#clock.now().getTime() - this.#startedAt) }),
        () => undefined, // settled first: the timer was cancelled
      );
    }
  }

  /** The bound that tripped, if one did. */
  get tripped(): BudgetTrip | undefined {
    return this.#trip;
  }

  progress(p: TrialProgress): void {
    this.#progressed = true;
    // Stryker disable next-line ConditionalExpression: #tripWith ignores a second trip; this only skips the check
    if (this.#trip) return;
    const trip = crossedBound(this.#bounds, p);
    if (trip) this.#tripWith(trip);
  }

  /** Ends the trial's budget (stops the ttl timer) and records a trip on the observation. */
  settle(obs: Observation): Observation {
    this.dispose();
    if (!this.#trip && obs.error === null) {
      const trip = crossedBound(this.#bounds, { usage: obs.usage, steps: obs.steps.length, costUsd: obs.costUsd });
      // Stryker disable next-line ConditionalExpression: #trip is undefined here, so assigning an undefined trip changes nothing
      if (trip) this.#trip = trip;
    }
    const trip = this.#trip;
    if (!trip) return obs;
    if (trip.bound === "ttl" && !this.#progressed && !replyArrived(obs)) {
      return { ...obs, error: { kind: "timeout", message: `no reply within ${fmt.ttl(trip.limit)} (budget.trial.ttl)` } };
    }
    return { ...obs, error: { kind: "budget_exceeded", bound: trip.bound, message: describeTrip(trip) } };
  }

  /** Stops the ttl timer; safe to call twice. */
  dispose(): void {
    if (this.#timer && !this.#timer.signal.aborted) this.#timer.abort();
  }

  #tripWith(trip: BudgetTrip): void {
    if (this.#trip || this.#timer?.signal.aborted) return;
    this.#trip = trip;
    // Stryker disable next-line OptionalChaining: #abort is unset only without bounds, and then nothing can trip
    this.#abort?.abort(new Error(describeTrip(trip)));
  }
}

/** `budget.run.usd`: once the run's spend (agent and judge) reaches it, no new trial starts. */
export class RunBudget {
  readonly limitUsd: number | undefined;
  readonly #judgeUsd: () => number;
  #agentUsd = 0;

  /** `judgeUsd`: the judge's spend so far in this run. */
  constructor(limitUsd: number | undefined, judgeUsd: () => number = () => 0) {
    this.limitUsd = limitUsd;
    this.#judgeUsd = judgeUsd;
  }

  /** Adds one trial's agent spend. */
  add(usd: number): void {
    this.#agentUsd += usd;
  }

  get spent(): number {
    return this.#agentUsd + this.#judgeUsd();
  }

  /** True once spend has reached the limit. */
  get exhausted(): boolean {
    return this.limitUsd !== undefined && this.spent >= this.limitUsd;
  }
}

/** Share of finished trials that must have run away (with none passing) before a run stops for runaway. */
export const RUNAWAY_SHARE = 0.9;
/** Fewest finished trials before a run may stop for runaway: one unlucky round proves nothing. */
export const RUNAWAY_MIN_FINISHED = 10;

/**
 * How many trials must finish before the runaway rule may stop a run of `total` trials at
 * `concurrency`: two rounds of the pool, but at least 10 and at most a tenth of the run (when that
 * is more than 10), so a wide pool still stops within a small share of the run. Pure.
 */
export function runawayCheckAfter(total: number, concurrency: number): number {
  return Math.max(RUNAWAY_MIN_FINISHED, Math.min(2 * Math.max(1, concurrency), Math.ceil(total / 10)));
}

/** A finished trial as the runaway rule sees it. */
export interface TrialOutcome {
  /** Hit a budget bound with a reply that arrived, or looped (the same tool call repeated). */
  runaway: boolean;
  passed: boolean;
}

/**
 * Decides when a run has evidently run away: once at least `after` trials finished, at least 90%
 * of them ran away and none passed. The decision latches: trials still in flight that finish
 * later do not undo it (they are not stopped either; each is bounded by `budget.trial`).
 * Until the first `after` trials have answered (and while none passed), no more than `after`
 * start (`holding`): a wide pool would otherwise have spent another round before the rule decides.
 */
export class RunawayWatch {
  readonly after: number;
  finished = 0;
  runaway = 0;
  passed = 0;
  /** The counts when the rule fired; undefined until it does. */
  decidedAt: { finished: number; runaway: number } | undefined;

  constructor(after: number) {
    this.after = after;
  }

  record(t: TrialOutcome): void {
    this.finished++;
    if (t.runaway) this.runaway++;
    if (t.passed) this.passed++;
    if (!this.decidedAt && this.finished >= this.after && this.passed === 0 && this.runaway >= RUNAWAY_SHARE * this.finished) {
      this.decidedAt = { finished: this.finished, runaway: this.runaway };
    }
  }

  get evident(): boolean {
    return this.decidedAt !== undefined;
  }

  /**
   * True while the next trial should wait: `after` trials have started, not all of them finished,
   * and none passed yet. A pass (or the first `after` trials finishing) lets the pool run at full width.
   */
  holding(started: number): boolean {
    return !this.evident && this.passed === 0 && started >= this.after && this.finished < this.after;
  }
}

/** Multiple of the baseline's cost a run may spend when `budget.run` is not set. */
export const DEFAULT_RUN_BUDGET_MULTIPLE = 3;
/** Completed runs needed before a default run budget is derived (a median of fewer is one run's noise). */
export const DEFAULT_RUN_BUDGET_MIN_RUNS = 3;

/** A run budget and where it came from, as stated in the summary. */
export interface RunBudgetLimit {
  usd: number;
  source: "config" | "baseline";
  /** How a derived budget was computed. */
  basis?: string;
}

/**
 * The run budget when `budget.run.usd` is not set: 3 × the median cost per trial (agent and judge)
 * of the job's last completed runs, times this run's trials (so a golden set that grew does not
 * stop at the old size). Undefined with fewer than 3 such runs or a median of $0 (no price). Pure.
 */
export function defaultRunBudget(history: readonly { costUsd: number; trials: number }[], total: number): RunBudgetLimit | undefined {
  const perTrial = history
    .filter((r) => r.trials > 0)
    .map((r) => r.costUsd / r.trials)
    .sort((a, b) => a - b);
  if (perTrial.length < DEFAULT_RUN_BUDGET_MIN_RUNS) return undefined;
  const mid = perTrial.length >> 1;
  const median = perTrial.length % 2 ? perTrial[mid]! : (perTrial[mid - 1]! + perTrial[mid]!) / 2;
  if (!(median > 0)) return undefined;
  const usd = DEFAULT_RUN_BUDGET_MULTIPLE * median * total;
  return {
    usd,
    source: "baseline",
    basis: `${DEFAULT_RUN_BUDGET_MULTIPLE} × median $${median.toPrecision(3)} per trial of the last ${perTrial.length} completed runs × ${total} trials`,
  };
}

/**
 * Calls the agent under a trial budget: the request gets the budget's signal and meter, and the
 * observation comes back settled (`budget_exceeded` with the bound when one tripped). The ttl
 * timer is stopped however the call ends.
 */
export function callWithBudget(agent: Agent, req: AgentRequest, bounds: TrialBounds, clock: Clock): Promise<Observation> {
  // No bound (the default): nothing can trip, so no budget, request copy, Date or extra promise per trial.
  return unbounded(bounds) ? agent.call(req) : callBudgeted(agent, req, bounds, clock);
}

async function callBudgeted(agent: Agent, req: AgentRequest, bounds: TrialBounds, clock: Clock): Promise<Observation> {
  const budget = new TrialBudget(bounds, { clock, signal: req.signal });
  try {
    return budget.settle(await agent.call({ ...req, signal: budget.signal, meter: budget }));
  } finally {
    budget.dispose();
  }
}
