import { describe, expect, it } from "vitest";
import { sparkline, topCostChange } from "../../src/alerts/digest.ts";
import { headline, plainText, recovery, span } from "../../src/notify/format.ts";
import { fingerprint } from "../../src/alerts/labels.ts";
import type { MessageContext, Notification } from "../../src/alerts/notification.ts";
import { notificationFixture } from "./notification-fixture.ts";
import { parseSilenceInput } from "../../src/alerts/silence-input.ts";
import { matches, parseMatcher } from "../../src/alerts/silence-matchers.ts";
import { pagerDutyEvent } from "../../src/notify/pagerduty.ts";
import { classifySlackError } from "../../src/notify/slack.ts";
import { esc, rootBlocks, threadText } from "../../src/notify/slack-blocks.ts";

const n = notificationFixture;

describe("message text", () => {
  it("draws a sparkline that does not turn noise into a cliff", () => {
    expect(sparkline([1, 1, 1, 0.5])).toBe("███▁");
    expect(sparkline([0.97, 0.96, 0.98])).toBe("▇▇█");
    expect(sparkline([0.9, null, 0.5])).toBe("█·▁");
    expect(sparkline([null, null])).toBe("··");
  });

  it("finds the case whose cost moved most", () => {
    const now = new Map([
      ["a", 0.002],
      ["b", 0.009],
      ["c", 0.001],
    ]);
    const base = new Map([
      ["a", 0.001],
      ["b", 0.003],
    ]);
    expect(topCostChange(now, base)).toEqual({ caseId: "b", nowUsd: 0.009, baselineUsd: 0.003 });
    expect(topCostChange(new Map([["a", 1]]), new Map([["a", 1]]))).toBeNull();
  });

  it("says what broke in the headline, and how long it has fired in a reminder", () => {
    expect(headline(n())).toBe(
      "🔴 FIRING support-hourly (support-bot) — threshold: accuracy 60.0% [50.0, 70.0] is below the floor 85% <b>",
    );
    expect(plainText(n({ kind: "reminder" })).split("\n")[1]).toBe("firing for 4h");
    expect(span(26 * 3_600_000 + 5 * 60_000)).toBe("26h 5m");
    expect(span(50 * 3_600_000)).toBe("2d 2h");
  });

  it("escapes Slack mrkdwn in blocks and strikes resolved alerts of an open group", () => {
    expect(esc("a < b & c > d")).toBe("a &lt; b &amp; c &gt; d");
    const resolved = {
      ...n().alerts[0]!,
      fingerprint: "def",
      labels: { job: "support-hourly", agent: "support-bot", detector: "errors" },
      state: "resolved" as const,
      change: "resolved" as const,
    };
    const text = JSON.stringify(rootBlocks(n({ kind: "update", alerts: [n().alerts[0]!, resolved] })));
    expect(text).toContain("&lt;b&gt;");
    expect(text).not.toContain("<b>");
    expect(text).toMatch(/~✅ errors: .*~ resolved/);
  });
});

/** A drop incident that fired at 10:00 and resolves at 16:00, with the message context of the resolving run. */
const resolvedDrop = (over: Partial<MessageContext> = {}): Notification => {
  const at = (h: number) => `2025-06-02T${String(h).padStart(2, "0")}:00:00.000Z`;
  return n({
    kind: "resolved",
    at: at(16),
    alerts: [
      {
        fingerprint: "drop1",
        labels: { job: "support-hourly", agent: "support-bot", detector: "drop" },
        severity: "critical",
        summary: "accuracy dropped −14.0 to 78.0% over this run against the baseline's 92.0% (p = 1e-6)",
        evidence: { accuracyNow: 0.8, accuracyBaseline: 0.92, windowAccuracy: 0.8, runId: "r12" },
        state: "resolved",
        change: "resolved",
        startsAt: at(10),
        firedAt: at(10),
        resolvedAt: at(16),
      },
    ],
    context: {
      runId: "r16",
      accuracy: { estimate: 0.912, low: 0.87, high: 0.95 },
      // The recent baseline has the incident's runs in it: a resolve must not compare with it.
      baseline: { estimate: 0.86, low: 0.8, high: 0.9, runs: 20 },
      recent: [0.93, 0.91, 0.92, 0.785, 0.8, 0.83, 0.88, 0.9, 0.912],
      recentAt: [8, 9, 9.5, 10, 11, 12, 14, 15, 16].map(
        (h) => `2025-06-02T${String(Math.floor(h)).padStart(2, "0")}:${h % 1 ? "30" : "00"}:00.000Z`,
      ),
      failingCases: [
        { id: "case-3", passes: 0, scored: 5, errors: 0, baselineRate: 0.9 },
        { id: "case-7", passes: 4, scored: 5, errors: 0, baselineRate: 0.98 },
      ],
      cost: { nowPerTrial: 0.001, baselinePerTrial: 0.001, top: { caseId: "case-0", nowUsd: 0.0010000001, baselineUsd: 0.001 } },
      sql: "select 1;",
      dashboardUrl: null,
      ...over,
    },
  });
};

describe("messages an on-call engineer trusts", () => {
  it("a resolve compares with the reference baseline and shows the recovery", () => {
    const msg = resolvedDrop();
    expect(recovery(msg)).toEqual({ now: 0.912, reference: 0.92, floor: null, lowPoint: 0.785 });
    expect(headline(msg)).toBe("✅ RESOLVED support-hourly (support-bot) — accuracy back to 91.2% (reference 92.0%, low point 78.5%)");
    const text = plainText(msg);
    expect(text).toContain("resolved: accuracy back to 91.2% (reference 92.0%, low point 78.5%)");
    expect(text).not.toContain("vs baseline 86.0%");
    expect(threadText(msg)).toMatch(/^✅ Resolved after 6h: accuracy back to 91\.2% \(reference 92\.0%, low point 78\.5%\)/);
    const blocks = JSON.stringify(rootBlocks(msg));
    expect(blocks).toContain("*Reference*\\n92.0%");
    expect(blocks).toContain("*Low point*\\n78.5%");
    // A threshold incident compares with its floor; the low point comes from its evidence.
    const threshold = n({ kind: "resolved", context: resolvedDrop().context });
    threshold.alerts[0] = { ...threshold.alerts[0]!, state: "resolved", change: "resolved", evidence: { accuracy: 0.6, floor: 0.85 } };
    expect(headline(threshold)).toContain("accuracy back to 91.2% (floor 85.0%, low point 60.0%)");
  });

  it("a resolve lists only cases still failing in the resolving run, not noise around a recovered rate", () => {
    const text = plainText(resolvedDrop());
    expect(text).toContain("still failing: case-3 0/5, baseline 90.0%");
    expect(text).not.toContain("case-7");
    expect(text).not.toContain("failing cases:");
    const recovered = resolvedDrop({ failingCases: [{ id: "case-7", passes: 4, scored: 5, errors: 0, baselineRate: 0.98 }] });
    expect(plainText(recovered)).not.toMatch(/failing/);
    expect(JSON.stringify(rootBlocks(recovered))).not.toMatch(/[Ff]ailing/);
    // A firing message still lists every case that lost trials.
    expect(plainText({ ...recovered, kind: "firing" })).toContain("failing cases: case-7 4/5");
  });

  it("rounds the evidence a page shows", () => {
    const msg = n();
    msg.alerts[0] = {
      ...msg.alerts[0]!,
      evidence: { accuracy: 0.9250000000000002, low: 0.1 + 0.2, trials: 40, worst: [{ rate: 0.30000000000000004 }] },
    };
    const details = (pagerDutyEvent(msg, msg.alerts[0]!, "key") as { payload: { custom_details: { evidence: unknown } } }).payload
      .custom_details;
    expect(details.evidence).toEqual({ accuracy: 0.925, low: 0.3, trials: 40, worst: [{ rate: 0.3 }] });
  });

  it("drops a top cost change that rounds to ×1.00", () => {
    const text = plainText(resolvedDrop());
    expect(text).toContain("cost per trial $0.0010 vs baseline $0.0010");
    expect(text).not.toContain("top change");
    expect(text).not.toContain("×1.00");
    expect(JSON.stringify(rootBlocks(resolvedDrop()))).not.toContain("Top change");
    expect(topCostChange(new Map([["a", 0.0010000001]]), new Map([["a", 0.001]]))).toBeNull();
    expect(topCostChange(new Map([["a", 0.00102]]), new Map([["a", 0.001]]))).toEqual({ caseId: "a", nowUsd: 0.00102, baselineUsd: 0.001 });
  });
});

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

describe("Slack errors", () => {
  it("retries rate limits and outages, gives up on configuration errors with the fix", () => {
    expect(classifySlackError({ code: "slack_webapi_rate_limited_error", retryAfter: 7, message: "" })).toEqual({
      status: "retry",
      error: "slack rate limited (429)",
      retryAfterMs: 7000,
    });
    expect(classifySlackError({ code: "slack_webapi_platform_error", data: { error: "internal_error" }, message: "" }).status).toBe(
      "retry",
    );
    expect(classifySlackError({ code: "slack_webapi_http_error", statusCode: 502, message: "" }).status).toBe("retry");
    expect(classifySlackError({ code: "slack_webapi_request_error", message: "connect ECONNREFUSED" }).status).toBe("retry");
    expect(classifySlackError({ code: "slack_webapi_platform_error", data: { error: "is_archived" }, message: "" })).toMatchObject({
      status: "failed",
      fix: expect.stringContaining("unarchive"),
    });
    expect(classifySlackError({ code: "slack_webapi_http_error", statusCode: 404, message: "" })).toMatchObject({
      status: "failed",
      fix: expect.stringContaining("api_url"),
    });
  });
});
