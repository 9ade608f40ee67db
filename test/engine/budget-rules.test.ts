import { describe, expect, it } from "vitest";
import type { Agent, AgentRequest, Observation } from "../../src/agents/types.ts";
import { systemClock } from "../../src/clock.ts";
import {
  callWithBudget,
  crossedBound,
  defaultRunBudget,
  describeTrip,
  RunBudget,
  runawayCheckAfter,
  RunawayWatch,
  TrialBudget,
} from "../../src/engine/budget.ts";
import { ManualClock } from "../helpers/clock.ts";
import { observation } from "../helpers/fixtures.ts";

// The budget's rules as pure functions and small state machines, without an agent or a database
// (the mutation run uses these; budget.test.ts and runaway-stop.test.ts drive them through runs).

const usage = (inputTokens: number, outputTokens: number) => ({ inputTokens, outputTokens });
const reply = observation;

describe("bounds", () => {
  it("trip only when passed, not when reached", () => {
    const b = { tokens: 1000, usd: 0.5, steps: 10 };
    expect(crossedBound(b, { usage: usage(900, 100), steps: 10, costUsd: 0.5 })).toBeUndefined();
    expect(crossedBound(b, { usage: usage(900, 101), steps: 0, costUsd: 0 })).toEqual({ bound: "tokens", limit: 1000, observed: 1001 });
    expect(crossedBound(b, { usage: usage(0, 0), steps: 0, costUsd: 0.51 })).toEqual({ bound: "usd", limit: 0.5, observed: 0.51 });
    expect(crossedBound(b, { usage: usage(0, 0), steps: 11, costUsd: 0 })).toEqual({ bound: "steps", limit: 10, observed: 11 });
    expect(crossedBound({}, { usage: usage(1e9, 1e9), steps: 1e6, costUsd: 1e6 })).toBeUndefined();
    expect(describeTrip({ bound: "tokens", limit: 20000, observed: 20513 })).toBe(
      "trial budget exceeded: 20,513 tokens > 20,000 tokens (budget.trial.tokens)",
    );
  });

  it("a reply that was not streamed is checked when it arrives", () => {
    const steps = Array.from({ length: 4 }, () => ({ tool: "t" }));
    const cases: [object, Observation, string | undefined][] = [
      [{ tokens: 100 }, reply({ usage: usage(90, 20) }), "tokens"],
      [{ usd: 0.01 }, reply({ costUsd: 0.02 }), "usd"],
      [{ steps: 3 }, reply({ steps }), "steps"],
      [{ tokens: 100, usd: 1, steps: 4 }, reply({ usage: usage(50, 50), costUsd: 1, steps }), undefined],
    ];
    for (const [bounds, obs, bound] of cases) {
      const settled = new TrialBudget(bounds, { clock: systemClock, signal: new AbortController().signal }).settle(obs);
      if (bound) expect(settled.error, bound).toMatchObject({ kind: "budget_exceeded", bound });
      else expect(settled.error).toBeNull();
      // What was spent stays on the trial.
      expect(settled.usage).toEqual(obs.usage);
    }
  });

  it("ttl runs on the injected clock and aborts the request's signal; settling stops the timer", async () => {
    const clock = new ManualClock();
    const budget = new TrialBudget({ ttl: 120_000 }, { clock, signal: new AbortController().signal });
    await clock.untilSleeping();
    clock.tick(119_999);
    await Promise.resolve();
    expect(budget.signal.aborted).toBe(false);
    clock.tick(1);
    await Promise.resolve();
    expect(budget.signal.aborted).toBe(true);
    // A reply had started arriving (streamed progress): still answering at 120 s is a runaway.
    budget.progress({ usage: usage(10, 10), steps: 1, costUsd: 0 });
    expect(budget.settle(reply({ output: null, error: { kind: "aborted", message: "trial aborted" } })).error).toMatchObject({
      kind: "budget_exceeded",
      bound: "ttl",
      message: "trial budget exceeded: 120.0 s > 120.0 s (budget.trial.ttl)",
    });

    // Nothing arrived before ttl: a timeout (agent error), counted in the error rate, never in accuracy.
    const silent = new TrialBudget({ ttl: 3_000 }, { clock, signal: new AbortController().signal });
    await clock.untilSleeping();
    clock.tick(3_000);
    await Promise.resolve();
    const empty = reply({ output: null, error: { kind: "aborted", message: "trial aborted" } });
    expect(silent.settle(empty).error).toEqual({ kind: "timeout", message: "no reply within 3.0 s (budget.trial.ttl)" });

    const quick = new TrialBudget({ ttl: 1_000 }, { clock, signal: new AbortController().signal });
    expect(clock.waiting).toBe(1);
    expect(quick.settle(reply()).error).toBeNull();
    expect(clock.waiting).toBe(0);
  });

  it("an aborted run is not a budget trip", () => {
    const run = new AbortController();
    const budget = new TrialBudget({ tokens: 10 }, { clock: systemClock, signal: run.signal });
    run.abort();
    expect(budget.signal.aborted).toBe(true);
    expect(budget.settle(reply({ error: { kind: "aborted", message: "trial aborted" } })).error).toMatchObject({ kind: "aborted" });
  });

  it("the run budget counts the judge's spend too", () => {
    let judge = 0;
    const b = new RunBudget(1, () => judge);
    b.add(0.6);
    expect(b.exhausted).toBe(false);
    judge = 0.4;
    expect(b.exhausted).toBe(true);
    expect(new RunBudget(undefined).exhausted).toBe(false);
    const agentOnly = new RunBudget(1); // no judge
    agentOnly.add(1);
    expect(agentOnly.spent).toBe(1);
    expect(agentOnly.exhausted).toBe(true);
  });
});

describe("trips while a reply streams in", () => {
  const open = () => new AbortController().signal;

  it("the first crossing aborts the signal with the trip's description, and later progress does not replace it", () => {
    const budget = new TrialBudget({ steps: 3, tokens: 100 }, { clock: systemClock, signal: open() });
    budget.progress({ usage: usage(10, 10), steps: 3, costUsd: 0 });
    expect(budget.tripped).toBeUndefined();
    expect(budget.signal.aborted).toBe(false);
    budget.progress({ usage: usage(10, 10), steps: 4, costUsd: 0 });
    expect(budget.tripped).toEqual({ bound: "steps", limit: 3, observed: 4 });
    expect(budget.signal.aborted).toBe(true);
    expect((budget.signal.reason as Error).message).toBe("trial budget exceeded: 4 steps > 3 steps (budget.trial.steps)");
    budget.progress({ usage: usage(500, 500), steps: 9, costUsd: 0 });
    expect(budget.tripped).toEqual({ bound: "steps", limit: 3, observed: 4 });
    // The settled observation names the bound that tripped first, not what the final reply shows.
    const settled = budget.settle(reply({ usage: usage(500, 500), error: { kind: "aborted", message: "trial aborted" } }));
    expect(settled.error).toEqual({
      kind: "budget_exceeded",
      bound: "steps",
      message: "trial budget exceeded: 4 steps > 3 steps (budget.trial.steps)",
    });
  });

  it("states a usd trip to four decimals", () => {
    expect(describeTrip({ bound: "usd", limit: 0.01, observed: 0.02 })).toBe("trial budget exceeded: $0.0200 > $0.0100 (budget.trial.usd)");
  });

  it("with no bound, the request's own signal is used as is; with one, it still follows the run's abort", () => {
    const run = open();
    expect(new TrialBudget({}, { clock: systemClock, signal: run }).signal).toBe(run);
    for (const bounds of [{ tokens: 1 }, { usd: 1 }, { steps: 1 }]) {
      const b = new TrialBudget(bounds, { clock: systemClock, signal: run });
      expect(b.signal, JSON.stringify(bounds)).not.toBe(run);
      b.progress({ usage: usage(0, 0), steps: 2, costUsd: 2 });
      b.progress({ usage: usage(1, 1), steps: 2, costUsd: 2 });
      expect(b.signal.aborted, JSON.stringify(bounds)).toBe(true);
    }
  });

  it("starts no timer without a ttl", () => {
    const sleeps: number[] = [];
    const clock = { now: () => new Date(0), sleep: (ms: number) => (sleeps.push(ms), new Promise<void>(() => undefined)) };
    new TrialBudget({ tokens: 1, usd: 1, steps: 1 }, { clock, signal: open() });
    expect(sleeps).toEqual([]);
    new TrialBudget({ ttl: 5 }, { clock, signal: open() });
    expect(sleeps).toEqual([5]);
  });

  it("settling keeps the bound that tripped first, and does not turn an aborted run into a trip", async () => {
    const clock = new ManualClock();
    const budget = new TrialBudget({ ttl: 1_000, tokens: 10 }, { clock, signal: open() });
    await clock.untilSleeping();
    clock.tick(1_000);
    await Promise.resolve();
    const late = reply({ usage: usage(50, 50), error: { kind: "aborted", message: "trial aborted" } });
    expect(budget.settle(late).error).toMatchObject({ kind: "budget_exceeded", bound: "ttl" });
    const run = new AbortController();
    const aborted = new TrialBudget({ tokens: 10 }, { clock: systemClock, signal: run.signal });
    run.abort();
    expect(aborted.settle(late).error).toMatchObject({ kind: "aborted" });
  });

  it("only ttl can be a timeout: another bound is a trip even when nothing else of the reply arrived", () => {
    const budget = new TrialBudget({ usd: 0.01 }, { clock: systemClock, signal: open() });
    expect(budget.settle(reply({ output: null, costUsd: 0.02 })).error).toMatchObject({ kind: "budget_exceeded", bound: "usd" });
  });

  it("ttl records how long the trial actually ran, when the clock jumped past it", async () => {
    const clock = new ManualClock();
    const budget = new TrialBudget({ ttl: 3_000 }, { clock, signal: open() });
    await clock.untilSleeping();
    clock.tick(5_000);
    await Promise.resolve();
    expect(budget.tripped).toEqual({ bound: "ttl", limit: 3_000, observed: 5_000 });
  });

  it("a ttl trip is a runaway once anything of the reply arrived, in the observation or streamed", async () => {
    const clock = new ManualClock();
    const aborted = { kind: "aborted" as const, message: "trial aborted" };
    const cases: [string, Observation, string][] = [
      ["nothing", reply({ output: null, error: aborted }), "timeout"],
      ["output", reply({ output: "partial", error: aborted }), "budget_exceeded"],
      ["steps", reply({ output: null, steps: [{ tool: "t" }], error: aborted }), "budget_exceeded"],
      ["input tokens", reply({ output: null, usage: usage(1, 0), error: aborted }), "budget_exceeded"],
      ["output tokens", reply({ output: null, usage: usage(0, 1), error: aborted }), "budget_exceeded"],
    ];
    for (const [what, obs, kind] of cases) {
      const budget = new TrialBudget({ ttl: 1_000 }, { clock, signal: open() });
      await clock.untilSleeping();
      clock.tick(1_000);
      await Promise.resolve();
      expect(budget.settle(obs).error?.kind, what).toBe(kind);
    }
  });

  it("a trial settled before its ttl is not tripped later, and disposing twice is safe", async () => {
    const clock = new ManualClock();
    const budget = new TrialBudget({ ttl: 1_000 }, { clock, signal: open() });
    await clock.untilSleeping();
    expect(budget.settle(reply()).error).toBeNull();
    budget.dispose();
    clock.tick(5_000);
    await Promise.resolve();
    expect(budget.tripped).toBeUndefined();
    expect(budget.signal.aborted).toBe(false);
  });

  it("a trial that is already aborted by a bound does not trip again when ttl passes", async () => {
    const clock = new ManualClock();
    const budget = new TrialBudget({ ttl: 1_000, steps: 1 }, { clock, signal: open() });
    await clock.untilSleeping();
    budget.progress({ usage: usage(0, 0), steps: 2, costUsd: 0 });
    clock.tick(1_000);
    await Promise.resolve();
    expect(budget.tripped).toMatchObject({ bound: "steps" });
  });
});

describe("calling an agent under a budget", () => {
  const agent = (call: (req: AgentRequest) => Promise<Observation>): Agent => ({ name: "a", call });

  it("hands the agent the budget's signal and meter, and settles the reply", async () => {
    const run = new AbortController();
    let seen: AgentRequest | undefined;
    const obs = await callWithBudget(
      agent(async (req) => {
        seen = req;
        req.meter!.progress({ usage: usage(0, 0), steps: 5, costUsd: 0 });
        return reply({ steps: Array.from({ length: 5 }, () => ({ tool: "t" })) });
      }),
      { input: "q", caseId: "c", trialId: "t", signal: run.signal },
      { steps: 4 },
      systemClock,
    );
    expect(seen!.signal).not.toBe(run.signal);
    expect(seen!.signal.aborted).toBe(true);
    expect(seen!.input).toBe("q");
    expect(obs.error).toMatchObject({ kind: "budget_exceeded", bound: "steps" });
  });

  it("stops the ttl timer however the call ends", async () => {
    const clock = new ManualClock();
    const req = { input: "q", caseId: "c", trialId: "t", signal: new AbortController().signal };
    const failing = agent(async () => {
      await clock.untilSleeping();
      throw new Error("boom");
    });
    await expect(callWithBudget(failing, req, { ttl: 1_000 }, clock)).rejects.toThrow("boom");
    expect(clock.waiting).toBe(0);
  });
});

describe("the early-stop rule", () => {
  it("waits for two rounds of the pool, at least 10 trials, at most a tenth of a large run", () => {
    expect(runawayCheckAfter(200, 4)).toBe(10);
    expect(runawayCheckAfter(200, 8)).toBe(16);
    expect(runawayCheckAfter(200, 50)).toBe(20);
    expect(runawayCheckAfter(10_000, 50)).toBe(100);
    expect(runawayCheckAfter(6, 1)).toBe(10); // a run this small finishes before the rule can stop it
  });

  it("stops once at least 90% of the finished trials ran away and none passed, and stays stopped", () => {
    const w = new RunawayWatch(10);
    for (let i = 0; i < 9; i++) w.record({ runaway: true, passed: false });
    expect(w.evident).toBe(false); // 9 finished: too few to decide
    w.record({ runaway: false, passed: false }); // an agent error or a wrong answer: 9 of 10 is 90%
    expect(w.evident).toBe(true);
    expect(w.decidedAt).toEqual({ finished: 10, runaway: 9 });
    w.record({ runaway: false, passed: true }); // a trial in flight that finishes later does not undo it
    expect(w.evident).toBe(true);
  });

  it("holds new trials once the first `after` started, until they answered or one passed", () => {
    const w = new RunawayWatch(10);
    expect(w.holding(9)).toBe(false);
    expect(w.holding(10)).toBe(true);
    for (let i = 0; i < 9; i++) w.record({ runaway: false, passed: false });
    expect(w.holding(12)).toBe(true);
    w.record({ runaway: false, passed: false }); // 10 answered, none ran away: full width again
    expect(w.holding(12)).toBe(false);
    const passing = new RunawayWatch(10);
    passing.record({ runaway: false, passed: true });
    expect(passing.passed).toBe(1);
    expect(passing.holding(10)).toBe(false);
  });

  it("never stops a run with a passing trial, or with fewer than 90% runaway", () => {
    const passing = new RunawayWatch(10);
    passing.record({ runaway: false, passed: true });
    for (let i = 0; i < 50; i++) passing.record({ runaway: true, passed: false });
    expect(passing.evident).toBe(false);
    const mixed = new RunawayWatch(10);
    for (let i = 0; i < 40; i++) mixed.record({ runaway: i % 5 !== 0, passed: false }); // 80%
    expect(mixed.evident).toBe(false);
  });
});

describe("the default run budget", () => {
  it("is 3 × the median cost per trial of the last completed runs, times this run's trials", () => {
    const runs = [
      { costUsd: 2, trials: 200 }, // $0.01 per trial
      { costUsd: 4, trials: 200 }, // $0.02
      { costUsd: 100, trials: 200 }, // $0.50: one expensive run does not move the median
    ];
    const b = defaultRunBudget(runs, 100);
    expect(b).toMatchObject({ source: "baseline" });
    expect(b!.usd).toBeCloseTo(6, 10);
    expect(b!.basis).toBe("3 × median $0.0200 per trial of the last 3 completed runs × 100 trials");
  });

  it("is not derived from fewer than 3 runs, or from runs that cost nothing (no price)", () => {
    expect(
      defaultRunBudget(
        [
          { costUsd: 2, trials: 200 },
          { costUsd: 2, trials: 200 },
        ],
        200,
      ),
    ).toBeUndefined();
    expect(
      defaultRunBudget(
        [0, 0, 0].map((costUsd) => ({ costUsd, trials: 10 })),
        200,
      ),
    ).toBeUndefined();
    expect(defaultRunBudget([{ costUsd: 1, trials: 0 }, ...[1, 1].map((costUsd) => ({ costUsd, trials: 10 }))], 20)).toBeUndefined();
  });

  it("takes the median of an even number of runs as the mean of the middle two, whatever their order", () => {
    const runs = [400, 100, 300, 200].map((costUsd) => ({ costUsd, trials: 100 })); // $4, $1, $3, $2 per trial
    expect(defaultRunBudget(runs, 10)).toMatchObject({
      usd: 3 * 2.5 * 10,
      basis: "3 × median $2.50 per trial of the last 4 completed runs × 10 trials",
    });
  });

  it("takes the middle of an odd number of runs once sorted", () => {
    const runs = [500, 100, 300].map((costUsd) => ({ costUsd, trials: 100 }));
    expect(defaultRunBudget(runs, 1)!.usd).toBeCloseTo(9, 10);
  });
});
