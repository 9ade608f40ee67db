import { describe, expect, it } from "vitest";
import { fingerprint } from "../../src/alerts/labels.ts";
import { parseSilenceInput } from "../../src/alerts/silence-input.ts";
import { matches, parseMatcher } from "../../src/alerts/silence-matchers.ts";

describe("labels and silences", () => {
  it("fingerprints ignore label order and differ by case", () => {
    expect(fingerprint({ job: "a", agent: "b", detector: "c" })).toBe(fingerprint({ detector: "c", agent: "b", job: "a" }));
    expect(fingerprint({ job: "a", agent: "b", detector: "c", case: "x" })).not.toBe(fingerprint({ job: "a", agent: "b", detector: "c" }));
  });

  it("parses and matches label matchers, regexes anchored", () => {
    const labels = { job: "support-hourly", agent: "bot", detector: "threshold" };
    const m = (t: string) => {
      const r = parseMatcher(t);
      if (typeof r === "string") throw new Error(r);
      return r;
    };
    expect(matches([m("job=support-hourly")], labels)).toBe(true);
    expect(matches([m("job=~support")], labels)).toBe(false);
    expect(matches([m("job=~support-.*"), m("detector!=errors")], labels)).toBe(true);
    expect(matches([m("case=")], labels)).toBe(true);
    expect(matches([m("detector!~thresh.*")], labels)).toBe(false);
    expect(parseMatcher("job")).toMatch(/expected name=value/);
  });

  it("validates silence requests, naming the field", () => {
    const now = new Date("2025-06-02T12:00:00Z");
    const ok = parseSilenceInput({ matchers: ["job=a"], duration: "90m" }, now);
    expect(ok.ok && ok.silence.endsAt.toISOString()).toBe("2025-06-02T13:30:00.000Z");
    expect(parseSilenceInput({ matchers: [], duration: "1h" }, now)).toEqual({
      ok: false,
      errors: ["matchers: expected at least one matcher, e.g. job=support-hourly"],
    });
    expect(parseSilenceInput({ matchers: ["job=a"], ends_at: "2025-06-02T11:00:00Z" }, now)).toEqual({
      ok: false,
      errors: ["ends_at: expected a time after starts_at and after now"],
    });
    expect(parseSilenceInput({ matchers: ["job=a"], duration: "1h", until: "x" }, now)).toMatchObject({
      ok: false,
      errors: [expect.stringContaining("until")],
    });
  });
});
