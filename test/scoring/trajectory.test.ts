import { describe, expect, it } from "vitest";
import type { Observation, Step } from "../../src/agents/types.ts";
import { goldenSchema } from "../../src/load/golden.ts";
import { scoreTrial } from "../../src/scoring/score.ts";
import { ADMITS_FAILURE, argsMatch, emptyResult, findLoop, inOrder } from "../../src/scoring/trajectory.ts";
import type { AssertionSpec } from "../../src/scoring/types.ts";
import { observation } from "../helpers/fixtures.ts";

const signal = new AbortController().signal;
const kase = { id: "c", input: "How long do I have to return an annual plan?" };

function obs(steps: Step[], output = "You have 30 days.", extra: Partial<Observation> = {}): Observation {
  return observation({ output, steps, ...extra });
}

/** Parses assertions as a golden set would (through the registry's schemas), then scores them. */
async function score(asserts: unknown[], o: Observation) {
  const golden = goldenSchema.parse({ name: "t", cases: [{ id: "c", input: kase.input, assert: asserts }] });
  return scoreTrial(golden.cases[0]!.assert as AssertionSpec[], kase, o, signal);
}

const search = (query: string, result: unknown = ["Annual plans can be refunded within 30 days."]): Step => ({
  tool: "search_kb",
  args: { query, top_k: 3 },
  result,
});
const answer: Step = { tool: "answer", args: { text: "30 days" } };

describe("pure helpers", () => {
  it("matches arguments exactly or as a subset", () => {
    const actual = { query: "refund", top_k: 3, filters: { lang: "en", region: "eu" } };
    expect(argsMatch(actual, { query: "refund" }, "subset")).toBe(true);
    expect(argsMatch(actual, { filters: { lang: "en" } }, "subset")).toBe(true);
    expect(argsMatch(actual, { query: "refund" }, "exact")).toBe(false);
    expect(argsMatch(actual, { ...actual, filters: { region: "eu", lang: "en" } }, "exact")).toBe(true);
    expect(argsMatch(actual, { query: "refunds" }, "subset")).toBe(false);
    expect(argsMatch(actual, { missing: undefined }, "subset")).toBe(false);
    expect(argsMatch({ ids: [1, 2] }, { ids: [1, 2] }, "subset")).toBe(true);
    expect(argsMatch({ ids: [1, 2, 3] }, { ids: [1, 2] }, "subset")).toBe(false);
    expect(argsMatch("not json", "not json", "exact")).toBe(true);
  });

  it("needs every expected argument and every array element to match, not just one", () => {
    const actual = { query: "refund", top_k: 3, ids: [1, 2] };
    expect(argsMatch(actual, { query: "refund", top_k: 5 }, "subset")).toBe(false);
    expect(argsMatch(actual, { query: "refunds", top_k: 3 }, "subset")).toBe(false);
    expect(argsMatch(actual, { query: "refund", top_k: 3, ids: [1, 2] }, "exact")).toBe(true);
    expect(argsMatch(actual, { query: "refund", top_k: 3, ids: [1, 3] }, "exact")).toBe(false);
    expect(argsMatch(actual, { query: "refund", top_k: 3, lang: "en" }, "exact")).toBe(false);
  });

  it("compares values and shapes strictly: null, arrays against objects, primitives against objects", () => {
    expect(argsMatch({ a: null }, { a: null }, "exact")).toBe(true);
    expect(argsMatch({ a: 0 }, { a: null }, "subset")).toBe(false);
    expect(argsMatch(null, { a: 1 }, "subset")).toBe(false);
    expect(argsMatch("abc", { length: 3 }, "subset")).toBe(false);
    expect(argsMatch([1], { 0: 1 }, "subset")).toBe(false);
  });

  it("reports the most repeated call, the first to get there on a tie, wherever it starts", () => {
    const call = (q: string): Step => ({ tool: "search_kb", args: { q } });
    expect(findLoop([call("b"), ...Array.from({ length: 4 }, () => call("a"))], 3)).toMatchObject({ args: { q: "a" }, count: 4 });
    const tie = [call("a"), call("b"), call("a"), call("b"), call("a"), call("b"), call("a"), call("b")];
    expect(findLoop(tie, 3)).toMatchObject({ args: { q: "a" }, count: 4 });
  });

  it("finds tools in order with others between", () => {
    expect(inOrder(["plan", "search_kb", "rerank", "answer"], ["search_kb", "answer"])).toBe(true);
    expect(inOrder(["answer", "search_kb"], ["search_kb", "answer"])).toBe(false);
    expect(inOrder(["search_kb"], ["search_kb", "answer"])).toBe(false);
  });

  it("counts identical calls, whatever the key order of their arguments", () => {
    const steps: Step[] = [
      { tool: "search_kb", args: { q: "a", k: 1 } },
      { tool: "search_kb", args: { k: 1, q: "a" } },
      { tool: "search_kb", args: { q: "b", k: 1 } },
      { tool: "search_kb", args: { q: "a", k: 1 } },
      { tool: "search_kb", args: { q: "a", k: 1 } },
    ];
    expect(findLoop(steps, 3)).toMatchObject({ tool: "search_kb", count: 4 });
    expect(findLoop(steps, 4)).toBeUndefined();
  });

  it("recognises each way an agent admits it found nothing or hit an error, and not words that merely contain them", () => {
    const admits = (text: string) => ADMITS_FAILURE.some((re) => re.test(text));
    const yes = [
      "I couldn't find it",
      "I could not locate it",
      "I couldnt retrieve it",
      "I can't get that",
      "I cant get that",
      "I can’t find that", // typographic apostrophes, as models often write them
      "I couldn’t find it",
      "I don’t know",
      "I cannot access the site",
      "I can not look up orders",
      "I wasn't able to load it",
      "we were not able to reach them",
      "I was unable to confirm",
      "I failed to find it",
      "I didn't find it",
      "I did not find it",
      "There are no results",
      "no result",
      "not any information",
      "no info",
      "no matches",
      "no matching plans",
      "no relevant pages",
      "no records",
      "no record",
      "no articles",
      "no article",
      "no data",
      "no details",
      "nothing found",
      "nothing was found",
      "nothing about that",
      "nothing on that",
      "nothing matching",
      "nothing relevant",
      "I could not find",
      "it was not found",
      "I am not sure",
      "I am not certain",
      "That is not available",
      "I don't know",
      "I do not know",
      "I dont know",
      "it doesn't have information",
      "it does not have any details",
      "I don't have data",
      "an error occurred",
      "the service is unavailable",
      "it is temporarily down",
      "something went wrong",
      "NO RESULTS",
      "I  could  not   find it",
    ];
    for (const t of yes) expect(admits(t), t).toBe(true);
    const no = [
      "You have 30 days.",
      "terrors and errors",
      "the knot found its way",
      "nothingness",
      "casino resultsheet",
      "snowdata",
      "I could find it",
      "I found no-results",
      "we reached it, unable-to-confirm",
      "isn't it, not surely",
      "I know it",
      "I dont have it",
      "somethingwent wrong",
      "temporarilydown",
      "No resultset",
      "I couldn't findings",
    ];
    for (const t of no) expect(admits(t), t).toBe(false);
  });

  it("knows an empty tool result", () => {
    for (const r of [undefined, null, "", "  ", "[]", "no results", [], {}, { results: [] }, { items: [], hits: [] }])
      expect(emptyResult(r), JSON.stringify(r)).toBe(true);
    for (const r of ["[ ]", "{}", "{ }", " null ", "No result.", "NO RESULTS", { items: [], total: 0 }])
      expect(emptyResult(r), JSON.stringify(r)).toBe(true);
    for (const r of ["one article", ["a"], { results: ["a"] }, { total: 0 }, 0]) expect(emptyResult(r), JSON.stringify(r)).toBe(false);
    // Not "nothing": text around the empty marker, a list holding a list, one empty list beside a full one.
    for (const r of ["x null", "null x", "[ x ]", "no resultsx", [[]], { results: [], related: ["a"] }])
      expect(emptyResult(r), JSON.stringify(r)).toBe(false);
  });
});

describe("tool_called", () => {
  it("passes when the tool was called, with matching arguments if given", async () => {
    const o = obs([search("refund window"), answer]);
    expect((await score([{ tool_called: "search_kb" }], o)).status).toBe("pass");
    expect((await score([{ tool_called: { name: "search_kb", args: { query: "refund window" } } }], o)).status).toBe("pass");
    expect(
      (await score([{ tool_called: { name: "search_kb", args: { query: "refund window", top_k: 3 }, match: "exact" } }], o)).status,
    ).toBe("pass");
  });

  it("fails when the tool was never called, or never with those arguments", async () => {
    const o = obs([search("refund window"), answer]);
    const never = await score([{ tool_called: { name: "lookup_order" } }], o);
    expect(never.status).toBe("fail");
    expect(never.assertions[0]!.reason).toBe("lookup_order was never called (called: search_kb → answer)");
    const wrongArgs = await score([{ tool_called: { name: "search_kb", args: { query: "warranty" } } }], o);
    expect(wrongArgs.status).toBe("fail");
    expect(wrongArgs.assertions[0]!.reason).toContain('never with {"query":"warranty"}');
    const notExact = await score([{ tool_called: { name: "search_kb", args: { query: "refund window" }, match: "exact" } }], o);
    expect(notExact.status).toBe("fail");
    // One of two arguments right is not a match.
    const half = await score([{ tool_called: { name: "search_kb", args: { query: "refund window", top_k: 10 } } }], o);
    expect(half.status).toBe("fail");
    expect(half.assertions[0]!.reason).toBe(
      'search_kb was called, but never with {"query":"refund window","top_k":10} (got {"query":"refund window","top_k":3})',
    );
  });
});

describe("tool_order", () => {
  it("passes in order with other tools between, and fails out of order", async () => {
    const o = obs([{ tool: "plan" }, search("x"), { tool: "rerank" }, answer]);
    expect((await score([{ tool_order: ["search_kb", "answer"] }], o)).status).toBe("pass");
    const wrong = await score([{ tool_order: ["answer", "search_kb"] }], o);
    expect(wrong.status).toBe("fail");
    expect(wrong.assertions[0]!.reason).toBe("expected answer → search_kb, got plan → search_kb → rerank → answer");
  });

  it("with exact, asks for exactly those tools and nothing else", async () => {
    expect((await score([{ tool_order: { tools: ["search_kb", "answer"], exact: true } }], obs([search("x"), answer]))).status).toBe(
      "pass",
    );
    expect(
      (await score([{ tool_order: { tools: ["search_kb", "answer"], exact: true } }], obs([{ tool: "plan" }, search("x"), answer]))).status,
    ).toBe("fail");
    expect((await score([{ tool_order: { tools: ["search_kb", "answer"], exact: true } }], obs([search("x")]))).status).toBe("fail");
  });
});

describe("max_steps and no_tool", () => {
  it("max_steps passes at the limit and fails beyond it", async () => {
    const steps = [search("a"), search("b"), answer];
    expect((await score([{ max_steps: 3 }], obs(steps))).status).toBe("pass");
    const over = await score([{ max_steps: 2 }], obs(steps));
    expect(over.status).toBe("fail");
    expect(over.assertions[0]!.reason).toBe("3 steps > 2");
  });

  it("no_tool fails when a banned tool was called", async () => {
    const o = obs([search("a"), { tool: "refund_payment", args: { amount: 100 } }, answer]);
    expect((await score([{ no_tool: "delete_account" }], o)).status).toBe("pass");
    const used = await score([{ no_tool: ["delete_account", "refund_payment"] }], o);
    expect(used.status).toBe("fail");
    expect(used.assertions[0]!.reason).toBe("called refund_payment");
  });
});

describe("handles_tool_error", () => {
  const noResults = search("Z-900 toaster warranty", []);
  const failed: Step = { tool: "search_kb", args: { query: "x" }, error: "503 Service Unavailable" };

  it("passes when the tool found nothing and the agent said so", async () => {
    const o = obs([noResults, answer], "I couldn't find anything about that in our knowledge base, so I can't say for sure.");
    const s = await score([{ handles_tool_error: { tool: "search_kb" } }], o);
    expect(s.status).toBe("pass");
    expect(s.assertions[0]!.reason).toBe("search_kb returned no results and the agent said so");
  });

  it("passes when the tool failed and the agent said so", async () => {
    const o = obs([failed], "Sorry, our knowledge base is unavailable right now, please try again later.");
    expect((await score([{ handles_tool_error: "search_kb" }], o)).status).toBe("pass");
  });

  it("fails when the agent invents an answer after no results or an error", async () => {
    const invented = "It comes with a 5-year warranty, I guarantee it.";
    const a = await score([{ handles_tool_error: { tool: "search_kb" } }], obs([noResults, answer], invented));
    expect(a.status).toBe("fail");
    expect(a.assertions[0]!.reason).toBe("search_kb returned no results but the agent answered as if it had not");
    const b = await score([{ handles_tool_error: { tool: "search_kb" } }], obs([failed], invented));
    expect(b.status).toBe("fail");
    expect(b.assertions[0]!.reason).toContain("returned an error");
  });

  it("uses the case's own phrases when given", async () => {
    const o = obs([noResults], "Hmm, the manual is silent on that one.");
    expect((await score([{ handles_tool_error: { tool: "search_kb" } }], o)).status).toBe("fail");
    expect((await score([{ handles_tool_error: { tool: "search_kb", phrases: ["manual is silent"] } }], o)).status).toBe("pass");
  });

  it("has nothing to check when the tool returned results, or recovered on a retry", async () => {
    expect((await score([{ handles_tool_error: "search_kb" }], obs([search("a")], "It is 30 days."))).status).toBe("pass");
    expect((await score([{ handles_tool_error: "search_kb" }], obs([failed, search("a")], "It is 30 days."))).status).toBe("pass");
  });
});

describe("loop detection", () => {
  const same = (n: number) => Array.from({ length: n }, () => search("refund"));

  it("fails every trial that repeats the same call more than 3 times, as a loop", async () => {
    const ok = await score([{ contains: "30 days" }], obs([...same(3), answer]));
    expect(ok.status).toBe("pass");
    expect(ok.assertions.map((a) => a.type)).toEqual(["contains"]);
    const looped = await score([{ contains: "30 days" }], obs([...same(4), answer]));
    expect(looped.status).toBe("fail");
    expect(looped.assertions[1]).toMatchObject({ type: "no_loop", kind: "loop", passed: false });
    expect(looped.assertions[1]!.reason).toBe('loop: search_kb({"query":"refund","top_k":3}) called 4 times (more than 3)');
  });

  it("is not a loop when the arguments change", async () => {
    const steps = ["a", "b", "c", "d", "e"].map((q) => search(q));
    expect((await score([{ contains: "30 days" }], obs(steps))).status).toBe("pass");
  });

  it("takes max_repeats from the case, or can be turned off", async () => {
    expect((await score([{ no_loop: { max_repeats: 5 } }], obs(same(5)))).status).toBe("pass");
    expect((await score([{ no_loop: { max_repeats: 1 } }], obs(same(2)))).status).toBe("fail");
    expect((await score([{ no_loop: 2 }], obs(same(3)))).assertions[0]!.kind).toBe("loop");
    expect((await score([{ no_loop: false }, { contains: "30" }], obs(same(10)))).status).toBe("pass");
  });

  it("names the loop on a trial stopped by its budget", async () => {
    const o = obs(same(6), "", { error: { kind: "budget_exceeded", bound: "steps", message: "trial budget exceeded" } });
    const s = await scoreTrial([{ type: "contains", arg: "x" }], kase, o, signal);
    expect(s.status).toBe("budget_exceeded");
    expect(s.assertions).toHaveLength(1);
    expect(s.assertions[0]).toMatchObject({ kind: "loop", passed: false });
  });
});

describe("every check states its type, verdict and reason", () => {
  const noResults = search("warranty", []);
  const long = "x".repeat(100);
  it.each([
    [{ tool_called: "search_kb" }, obs([search("a"), search("b")]), "tool_called", true, "search_kb called 2×"],
    [{ tool_called: "lookup" }, obs([]), "tool_called", false, "lookup was never called (called: no tools)"],
    [
      { tool_called: { name: "search_kb", args: { query: "b" } } },
      obs([search("a"), search("b")]),
      "tool_called",
      true,
      'search_kb called with {"query":"b"}',
    ],
    [
      { tool_called: { name: "search_kb", args: { query: "b", top_k: 3 }, match: "exact" } },
      obs([search("b")]),
      "tool_called",
      true,
      'search_kb called with exactly {"query":"b","top_k":3}',
    ],
    [
      { tool_called: { name: "search_kb", args: { query: "b" }, match: "exact" } },
      obs([search("b")]),
      "tool_called",
      false,
      'search_kb was called, but never with exactly {"query":"b"} (got {"query":"b","top_k":3})',
    ],
    [
      { tool_called: { name: "search_kb", args: { query: long } } },
      obs([search("b")]),
      "tool_called",
      false,
      `search_kb was called, but never with {"query":"${"x".repeat(70)}… (got {"query":"b","top_k":3})`,
    ],
    [
      // 80 characters exactly are shown whole.
      { tool_called: { name: "search_kb", args: { query: "x".repeat(68) } } },
      obs([search("b")]),
      "tool_called",
      false,
      `search_kb was called, but never with {"query":"${"x".repeat(68)}"} (got {"query":"b","top_k":3})`,
    ],
    [
      { tool_called: { name: "answer", args: "30 days" } },
      obs([{ tool: "answer", args: "30 days" }]),
      "tool_called",
      true,
      'answer called with "30 days"',
    ],
    [{ tool_order: ["search_kb", "answer"] }, obs([search("a"), answer]), "tool_order", true, "tools ran in order search_kb → answer"],
    [
      { tool_order: { tools: ["search_kb", "answer"], exact: true } },
      obs([search("a"), { tool: "plan" }]),
      "tool_order",
      false,
      "expected search_kb → answer exactly, got search_kb → plan",
    ],
    [
      { tool_order: { tools: ["search_kb", "answer"], exact: true } },
      obs([search("a")]),
      "tool_order",
      false,
      "expected search_kb → answer exactly, got search_kb",
    ],
    [{ max_steps: 2 }, obs([search("a"), answer]), "max_steps", true, "2 steps ≤ 2"],
    [{ no_tool: ["refund", "delete"] }, obs([search("a")]), "no_tool", true, "refund, delete not called"],
    [
      { no_tool: ["refund", "delete"] },
      obs([{ tool: "delete" }, { tool: "refund" }, { tool: "delete" }]),
      "no_tool",
      false,
      "called delete, refund",
    ],
    [{ handles_tool_error: "search_kb" }, obs([answer]), "handles_tool_error", true, "search_kb was not called; nothing to handle"],
    [{ handles_tool_error: "search_kb" }, obs([search("a")]), "handles_tool_error", true, "search_kb returned results; nothing to handle"],
    [
      { handles_tool_error: "search_kb" },
      obs([noResults], "I could not find it."),
      "handles_tool_error",
      true,
      "search_kb returned no results and the agent said so",
    ],
    [
      { handles_tool_error: "search_kb" },
      obs([{ ...search("a"), error: "timeout" }], "Here it is."),
      "handles_tool_error",
      false,
      "search_kb returned an error but the agent answered as if it had not",
    ],
    [{ no_loop: false }, obs([]), "no_loop", true, "loop check disabled"],
    [{ no_loop: true }, obs(Array.from({ length: 3 }, () => search("a"))), "no_loop", true, "no tool call repeated more than 3 times"],
    [
      { no_loop: true },
      obs(Array.from({ length: 4 }, () => search("a"))),
      "no_loop",
      false,
      'loop: search_kb({"query":"a","top_k":3}) called 4 times (more than 3)',
    ],
  ])("%j", async (assertion, o, type, passed, reason) => {
    const s = await score([assertion], o);
    expect(s.assertions[0]).toMatchObject({ type, passed, reason });
  });

  it("an error alongside a result still counts as the call failing", async () => {
    const o = obs([{ tool: "search_kb", result: ["partial"], error: "timeout after 1 of 3 pages" }], "The warranty is 5 years.");
    expect((await score([{ handles_tool_error: "search_kb" }], o)).status).toBe("fail");
  });

  it("only the named tool's calls count: another tool's result after a failed search is no recovery", async () => {
    const o = obs([search("warranty", []), { tool: "lookup_order", result: { id: 7 } }], "The warranty is 5 years.");
    expect((await score([{ handles_tool_error: "search_kb" }], o)).status).toBe("fail");
  });

  it("any one of the case's phrases is enough, and a reply with no text admits nothing", async () => {
    const o = (output: string | null) => obs([search("warranty", [])], output as string, { output });
    expect(
      (await score([{ handles_tool_error: { tool: "search_kb", phrases: ["no idea", "manual is silent"] } }], o("The manual is silent.")))
        .status,
    ).toBe("pass");
    expect((await score([{ handles_tool_error: { tool: "search_kb", phrases: ["here"] } }], o(null))).status).toBe("fail");
  });

  it("a call matches when any one of several calls has the arguments", async () => {
    const o = obs([search("a"), search("b")]);
    expect((await score([{ tool_called: { name: "search_kb", args: { query: "a" } } }], o)).status).toBe("pass");
  });
});

describe("validation", () => {
  it.each([
    [{ tool_called: {} }, "tool_called"],
    [{ tool_called: { name: "x", match: "fuzzy" } }, "tool_called.match"],
    [{ tool_order: [] }, "tool_order"],
    [{ max_steps: -1 }, "max_steps"],
    [{ no_loop: { max_repeats: 0 } }, "no_loop"],
    [{ handles_tool_error: { tool: "x", extra: 1 } }, "handles_tool_error"],
    [{ no_pii: { kinds: ["blood_type"] } }, "no_pii.kinds[0]"],
    [{ no_pii: { phone_region: "XX" } }, "no_pii.phone_region"],
  ])("rejects %j", (assertion, where) => {
    const r = goldenSchema.safeParse({ name: "t", cases: [{ id: "c", input: "q", assert: [assertion] }] });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths.some((p) => p.startsWith(`cases.0.assert.0.${where.split(/[.[]/)[0]}`))).toBe(true);
  });
});
