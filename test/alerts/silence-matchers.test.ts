import { describe, expect, it } from "vitest";
import type { AlertLabels } from "../../src/alerts/labels.ts";
import { formatMatchers, matcherSchema, matches, parseMatcher, type Matcher } from "../../src/alerts/silence-matchers.ts";

const m = (text: string): Matcher => {
  const r = parseMatcher(text);
  if (typeof r === "string") throw new Error(r);
  return r;
};
const all = (...texts: string[]) => texts.map(m);
const drop: AlertLabels = { job: "a", agent: "bot", detector: "drop" };
const errors: AlertLabels = { job: "a", agent: "bot", detector: "errors" };
const flaky: AlertLabels = { job: "a", agent: "bot", detector: "flaky", case: "refund-window" };

describe("matches", () => {
  it("needs every matcher: a silence on job=a detector=drop leaves job a's other alerts alone", () => {
    const silence = all("job=a", "detector=drop");
    expect(matches(silence, drop)).toBe(true);
    expect(matches(silence, errors)).toBe(false);
    expect(matches(silence, { ...drop, job: "b" })).toBe(false);
    expect(matches(all("job=b", "detector=drop", "agent=bot"), drop)).toBe(false);
  });

  it("matches an empty list of matchers (the schema never stores one)", () => {
    expect(matches([], drop)).toBe(true);
  });

  it("supports =, !=, =~ and !~ with regexes anchored to the whole value", () => {
    expect(matches(all("detector!=errors"), drop)).toBe(true);
    expect(matches(all("detector!=drop"), drop)).toBe(false);
    expect(matches(all("detector=~dr.p|errors"), errors)).toBe(true);
    expect(matches(all("detector=~dro"), drop)).toBe(false);
    expect(matches(all("detector=~rop"), drop)).toBe(false);
    expect(matches(all("detector!~dro"), drop)).toBe(true);
    expect(matches(all("detector!~d.*"), drop)).toBe(false);
  });

  it("takes a missing label as the empty string", () => {
    expect(matches(all("case="), drop)).toBe(true);
    expect(matches(all("case=refund-window"), drop)).toBe(false);
    expect(matches(all("case=~refund-.*"), flaky)).toBe(true);
    expect(matches(all("case!="), flaky)).toBe(true);
    expect(matches(all("case!="), drop)).toBe(false);
    expect(matches(all("case=~.*"), drop)).toBe(true);
  });
});

describe("parseMatcher", () => {
  it("reads each operator, with spaces around it and the rest of the text as the value", () => {
    expect(parseMatcher("job=support-hourly")).toEqual({ name: "job", op: "=", value: "support-hourly" });
    expect(parseMatcher(" detector != errors")).toEqual({ name: "detector", op: "!=", value: "errors" });
    expect(parseMatcher("case=~refund-.*")).toEqual({ name: "case", op: "=~", value: "refund-.*" });
    expect(parseMatcher("agent!~bot-[0-9]+")).toEqual({ name: "agent", op: "!~", value: "bot-[0-9]+" });
    expect(parseMatcher("job=a=b")).toEqual({ name: "job", op: "=", value: "a=b" });
  });

  it("names what it expected when the text is not a matcher", () => {
    expect(parseMatcher("job")).toBe('"job" is not a matcher: expected name=value, name!=value, name=~regex or name!~regex');
    expect(parseMatcher("team=x")).toBe('"team=x": expected a label name: job, agent, detector, case');
    // The whole text is one matcher: no label name made of its tail, no second line.
    expect(parseMatcher("Job=a")).toBe('"Job=a" is not a matcher: expected name=value, name!=value, name=~regex or name!~regex');
    expect(parseMatcher("job=a\nagent=b")).toMatch(/is not a matcher/);
    expect(parseMatcher("case=~(")).toBe('"case=~(": expected a valid regular expression');
    // "(" is only a regex after =~ or !~.
    expect(parseMatcher("case=(")).toEqual({ name: "case", op: "=", value: "(" });
  });

  it("the schema defaults the operator to =", () => {
    expect(matcherSchema.parse({ name: "job", value: "a" })).toEqual({ name: "job", op: "=", value: "a" });
    expect(matcherSchema.safeParse({ name: "job", op: "==", value: "a" }).success).toBe(false);
  });
});

describe("formatMatchers", () => {
  it("writes matchers back the way they are typed", () => {
    expect(formatMatchers(all("job=a", "detector=~thr.*", "case!=x"))).toBe("job=a detector=~thr.* case!=x");
  });
});
