import { describe, expect, it } from "vitest";
import { topCostChange } from "../../src/alerts/digest.ts";
import { headline, plainText, recovery, span } from "../../src/notify/format.ts";
import type { MessageContext, Notification } from "../../src/alerts/notification.ts";
import { notificationFixture } from "./notification-fixture.ts";
import { pagerDutyEvent } from "../../src/notify/pagerduty.ts";
import { classifySlackError } from "../../src/notify/slack.ts";
import { esc, rootBlocks, threadText } from "../../src/notify/slack-blocks.ts";

const n = notificationFixture;

describe("message text", () => {
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
