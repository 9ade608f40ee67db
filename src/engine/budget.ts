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

/**
 * One trial's budget. The adapter gets `signal` (aborted when the run aborts or a bound trips) and
 * reports streamed progress through `progress`; `ttl` runs on the injected clock. `settle` turns
 * the observation into `budget_exceeded` with the bound that tripped, keeping the partial output,
 * steps and spend, and checks replies that were not streamed when they arrive.
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
    if (this.#trip) return;
    const trip = crossedBound(this.#bounds, p);
    if (trip) this.#tripWith(trip);
  }

  /** Ends the trial's budget (stops the ttl timer) and records a trip on the observation. */
  settle(obs: Observation): Observation {
    this.dispose();
    if (!this.#trip && obs.error === null) {
      const trip = crossedBound(this.#bounds, { usage: obs.usage, steps: obs.steps.length, costUsd: obs.costUsd });
      if (trip) this.#trip = trip;
    }
    const trip = this.#trip;
    if (!trip) return obs;
    return { ...obs, error: { kind: "budget_exceeded", bound: trip.bound, message: describeTrip(trip) } };
  }

  /** Stops the ttl timer; safe to call twice. */
  dispose(): void {
    if (this.#timer && !this.#timer.signal.aborted) this.#timer.abort();
  }

  #tripWith(trip: BudgetTrip): void {
    if (this.#trip || this.#timer?.signal.aborted) return;
    this.#trip = trip;
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

/**
 * Calls the agent under a trial budget: the request gets the budget's signal and meter, and the
 * observation comes back settled (`budget_exceeded` with the bound when one tripped). The ttl
 * timer is stopped however the call ends.
 */
export async function callWithBudget(agent: Agent, req: AgentRequest, bounds: TrialBounds, clock: Clock): Promise<Observation> {
  const budget = new TrialBudget(bounds, { clock, signal: req.signal });
  try {
    return budget.settle(await agent.call({ ...req, signal: budget.signal, meter: budget }));
  } finally {
    budget.dispose();
  }
}
