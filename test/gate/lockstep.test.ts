import { describe, expect, it } from "vitest";
import type { Agent, AgentRequest, Observation } from "../../src/agents/types.ts";
import { lockstep, type Turn } from "../../src/gate/lockstep.ts";
import { settle } from "../helpers/clock.ts";
import { observation } from "../helpers/fixtures.ts";

const obs: Observation = observation();

function recorder(name: string, log: string[]): Agent {
  return {
    name,
    async call(req) {
      log.push(`${name}:${req.caseId}`);
      return obs;
    },
  };
}

/** What the engine does with a turn: wait for it, then call the agent. */
const paired = (turn: Turn, agent: Agent): Agent => ({
  name: agent.name,
  async call(r) {
    await turn(r.caseId, r.signal);
    return agent.call(r);
  },
});

function pairOf(a: Agent, b: Agent) {
  const l = lockstep();
  return { first: paired(l.first, a), second: paired(l.second, b), release: l.release };
}

const req = (caseId: string, signal = new AbortController().signal): AgentRequest => ({
  input: "q",
  caseId,
  trialId: `t:${caseId}`,
  signal,
});
/** Lets every call that can go on do so: pending promise callbacks all run. */
const tick = settle;

describe("lockstep", () => {
  it("holds each call until the other agent's call for the same case arrives", async () => {
    const log: string[] = [];
    const pair = pairOf(recorder("a", log), recorder("b", log));
    expect(pair.first.name).toBe("a");
    const a1 = pair.first.call(req("x"));
    await tick();
    expect(log).toEqual([]);
    const b1 = pair.second.call(req("x"));
    await Promise.all([a1, b1]);
    expect(log.sort()).toEqual(["a:x", "b:x"]);
  });

  it("pairs the k-th calls of a case, not any two", async () => {
    const log: string[] = [];
    const pair = pairOf(recorder("a", log), recorder("b", log));
    const a = [pair.first.call(req("x")), pair.first.call(req("x"))];
    const b1 = pair.second.call(req("x"));
    await b1;
    await tick();
    expect(log.filter((l) => l === "a:x")).toHaveLength(1);
    await Promise.all([pair.second.call(req("x")), ...a]);
    expect(log.filter((l) => l === "a:x")).toHaveLength(2);
  });

  it("lets a waiting call through when released or aborted", async () => {
    const log: string[] = [];
    const pair = pairOf(recorder("a", log), recorder("b", log));
    const ctl = new AbortController();
    const aborted = pair.first.call(req("y", ctl.signal));
    ctl.abort();
    await aborted;
    const waiting = pair.first.call(req("z"));
    await tick();
    expect(log).toEqual(["a:y"]);
    pair.release();
    await waiting;
    await pair.second.call(req("w"));
    expect(log).toEqual(["a:y", "a:z", "b:w"]);
  });
});
