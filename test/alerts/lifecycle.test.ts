import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { fingerprint, formatLabels, labelsOf } from "../../src/alerts/labels.ts";
import { transition, type LifecyclePolicy, type LifecycleState } from "../../src/alerts/lifecycle.ts";
import { planRun, type AlertRecord, type PlanInput } from "../../src/alerts/plan.ts";
import type { Finding } from "../../src/detect/types.ts";

const policy: LifecyclePolicy = { for: 1, keepFiringFor: 2, repeatIntervalMs: 4 * 3_600_000 };
const t0 = new Date("2025-06-02T08:00:00Z");
const at = (h: number) => new Date(t0.getTime() + h * 3_600_000);

/** Steps one alert through a series of hourly runs; returns what each run asked to send. */
function replay(pattern: string, p: LifecyclePolicy = policy, silencedAt: (i: number) => boolean = () => false) {
  let s: LifecycleState | undefined;
  const sent: string[] = [];
  for (const [i, c] of [...pattern].entries()) {
    const t = transition(s, { present: c === "x", silenced: silencedAt(i) }, p, at(i));
    s = t.next;
    sent.push(t.notify ?? "-");
  }
  return { sent, state: s };
}

describe("alert lifecycle", () => {
  it("fires on the first run with for: 1 and stays quiet while it keeps firing", () => {
    const { sent, state } = replay("xxx");
    expect(sent).toEqual(["firing", "-", "-"]);
    expect(state?.state).toBe("firing");
  });

  it("waits `for` consecutive runs before firing, and a pending alert that clears never pages", () => {
    expect(replay("xx", { ...policy, for: 3 }).sent).toEqual(["-", "-"]);
    expect(replay("xxx", { ...policy, for: 3 }).sent).toEqual(["-", "-", "firing"]);
    expect(replay("xx.xx.", { ...policy, for: 3 }).sent).toEqual(["-", "-", "-", "-", "-", "-"]);
    expect(replay("xx.", { ...policy, for: 3 }).state?.state).toBe("resolved");
  });

  it("resolves after keep_firing_for clear runs, with a resolve message", () => {
    const { sent, state } = replay("x..");
    expect(sent).toEqual(["firing", "-", "resolved"]);
    expect(state?.state).toBe("resolved");
    expect(state?.resolvedAt).toEqual(at(2));
  });

  it("does not page every run for a flapping agent", () => {
    // Present every other run: never clear for 2 runs in a row, so one alert stays open.
    const { sent } = replay("x.x.x.x.x.x.");
    expect(sent.filter((s) => s === "firing")).toHaveLength(1);
    expect(sent.filter((s) => s === "resolved")).toHaveLength(0);
  });

  it("reminds every repeat_interval while firing, counted from the last message", () => {
    const { sent } = replay("xxxxxxxxxx"); // hourly, 4h interval
    expect(sent).toEqual(["firing", "-", "-", "-", "reminder", "-", "-", "-", "reminder", "-"]);
  });

  it("a new episode after resolution fires again", () => {
    expect(replay("x..x").sent).toEqual(["firing", "-", "resolved", "firing"]);
  });

  it("a silenced alert fires without a message, sends no resolve, and pages when the silence ends", () => {
    expect(replay("xx..", policy, () => true).sent).toEqual(["-", "-", "-", "-"]);
    const { sent } = replay("xxxx..", policy, (i) => i < 2);
    expect(sent).toEqual(["-", "-", "firing", "-", "-", "resolved"]);
  });

  it("records each step's event for the alert's history, and counts its runs", () => {
    // for: 2 — pending, firing; clear twice — resolved; pending that clears — cleared.
    const p = { ...policy, for: 2 };
    const steps: string[] = [];
    const counts: string[] = [];
    let s: LifecycleState | undefined;
    for (const [i, c] of [..."xx..x.xxxxx"].entries()) {
      const t = transition(s, { present: c === "x", silenced: false }, p, at(i));
      s = t.next;
      steps.push(t.event ?? "-");
      counts.push(s ? `${s.activeRuns}/${s.clearRuns}` : "none");
    }
    expect(steps).toEqual(["pending", "firing", "-", "resolved", "pending", "cleared", "pending", "firing", "-", "-", "-"]);
    expect(counts).toEqual(["1/0", "2/0", "0/1", "0/2", "1/0", "0/0", "1/0", "2/0", "3/0", "4/0", "5/0"]);
    expect(transition(s, { present: true, silenced: false }, p, at(12))).toMatchObject({ event: "reminder", notify: "reminder" });
    // No alert and nothing found: nothing to store.
    expect(transition(undefined, { present: false, silenced: false }, p, at(0))).toEqual({ next: undefined });
    // A resolved alert with nothing found stays as it was.
    const resolved = replay("x..").state!;
    expect(transition(resolved, { present: false, silenced: false }, p, at(3)).next).toBe(resolved);
  });

  it("records a silenced firing, and a firing that was never announced clears quietly", () => {
    const silenced = transition(undefined, { present: true, silenced: true }, policy, at(0));
    expect(silenced).toEqual({ next: expect.objectContaining({ state: "firing", notified: false, firedAt: at(0) }), event: "silenced" });
    const stillSilenced = transition(silenced.next, { present: true, silenced: true }, policy, at(1));
    expect(stillSilenced).toEqual({ next: expect.objectContaining({ activeRuns: 2, notified: false }) });
    // The silence ends while it fires: the firing message goes out now.
    expect(transition(silenced.next, { present: true, silenced: false }, policy, at(1))).toMatchObject({
      event: "firing",
      notify: "firing",
      next: { notified: true, notifiedAt: at(1), activeRuns: 2 },
    });
    const clear = transition(silenced.next, { present: false, silenced: true }, policy, at(1));
    const resolved = transition(clear.next, { present: false, silenced: true }, policy, at(2));
    expect(resolved).toEqual({ next: expect.objectContaining({ state: "resolved", resolvedAt: at(2) }), event: "cleared" });
  });

  it("keeps reminders quiet during a silence", () => {
    const { sent } = replay("xxxxxxxx", policy, (i) => i >= 1 && i <= 6);
    expect(sent).toEqual(["firing", "-", "-", "-", "-", "-", "-", "reminder"]);
  });
});

const finding = (detector: string, extra: Partial<Finding> = {}): Finding => ({
  detector,
  job: "j",
  agent: "a",
  severity: "critical",
  summary: `${detector} broke`,
  evidence: {},
  ...extra,
});

function run(existing: AlertRecord[], findings: Finding[], hour: number, extra: Partial<PlanInput> = {}) {
  return planRun({
    job: "j",
    agent: "a",
    runId: `r${hour}`,
    now: at(hour),
    countClear: true,
    findings,
    existing,
    silences: [],
    openGroupKey: null,
    policy,
    ...extra,
  });
}

/** Applies plans run after run, like the store would, and collects the group messages. */
function simulate(perRun: Finding[][]) {
  let alerts = new Map<string, AlertRecord>();
  let open: string | null = null;
  const messages: { kind: string; changes: string[] }[] = [];
  for (const [h, findings] of perRun.entries()) {
    const plan = run([...alerts.values()], findings, h, { openGroupKey: open });
    alerts = new Map([...alerts, ...plan.upserts.map((a) => [a.fingerprint, a] as const)]);
    if (plan.group) {
      if (plan.group.opens) open = plan.group.groupKey;
      if (plan.group.closes) open = null;
      messages.push({ kind: plan.group.kind, changes: plan.group.alerts.map((a) => `${a.labels.detector}:${a.change}`) });
    } else messages.push({ kind: "-", changes: [] });
  }
  return { messages, alerts };
}

describe("alert identity", () => {
  it("labels a finding by job, agent, detector and, for a per-case finding, its case", () => {
    expect(labelsOf(finding("drop"))).toStrictEqual({ job: "j", agent: "a", detector: "drop" });
    expect(labelsOf(finding("flaky", { caseId: "c1" }))).toEqual({ job: "j", agent: "a", detector: "flaky", case: "c1" });
  });

  it("fingerprints labels stably: 20 hex digits of the SHA-256 of the sorted pairs, whatever the key order", () => {
    // Stored as the alert's primary key and sent as PagerDuty's dedup_key: it must never change.
    const labels = { job: "support-hourly", agent: "support-bot", detector: "threshold" };
    expect(fingerprint(labels)).toBe(
      createHash("sha256").update('[["job","support-hourly"],["agent","support-bot"],["detector","threshold"]]').digest("hex").slice(0, 20),
    );
    expect(fingerprint(labels)).toBe("c70bae997d6819eb9595");
    expect(fingerprint({ detector: "threshold", agent: "support-bot", job: "support-hourly" })).toBe(fingerprint(labels));
    expect(fingerprint({ ...labels, case: undefined } as never)).toBe(fingerprint(labels));
  });

  it("formats labels in a fixed order, leaving out a missing case", () => {
    expect(formatLabels({ detector: "flaky", case: "c1", agent: "a", job: "j" })).toBe("job=j, agent=a, detector=flaky, case=c1");
    expect(formatLabels({ job: "j", agent: "a", detector: "drop" })).toBe("job=j, agent=a, detector=drop");
  });
});

describe("planning one run of a job", () => {
  it("identifies an alert by its labels: the same finding next run updates it", () => {
    const first = run([], [finding("threshold")], 0);
    expect(first.upserts).toHaveLength(1);
    const second = run(first.upserts, [finding("threshold", { summary: "worse" })], 1);
    expect(second.upserts.map((a) => a.fingerprint)).toEqual([first.upserts[0]!.fingerprint]);
    expect(second.upserts[0]!.summary).toBe("worse");
    expect(second.group).toBeNull();
  });

  it("a per-case finding is its own alert", () => {
    const fps = new Set(
      run([], [finding("flaky", { caseId: "a" }), finding("flaky", { caseId: "b" }), finding("flaky")], 0).upserts.map(
        (a) => a.fingerprint,
      ),
    );
    expect(fps.size).toBe(3);
    expect(fingerprint({ job: "j", agent: "a", detector: "flaky", case: "a" })).not.toBe(
      fingerprint({ job: "j", agent: "a", detector: "flaky" }),
    );
  });

  it("groups one run's findings into one message", () => {
    const plan = run([], [finding("threshold"), finding("errors"), finding("flaky", { caseId: "c1" })], 0);
    expect(plan.group?.kind).toBe("firing");
    expect(plan.group?.alerts).toHaveLength(3);
    expect(new Set(plan.upserts.map((a) => a.groupKey))).toEqual(new Set([plan.group!.groupKey]));
  });

  it("sends updates, a shared reminder and one resolve to the open group", () => {
    const T = finding("threshold");
    const E = finding("errors");
    const { messages } = simulate([[T], [T, E], [T, E], [T, E], [T, E], [T], [], []]);
    expect(messages.map((m) => m.kind)).toEqual(["firing", "update", "-", "-", "-", "reminder", "update", "resolved"]);
    // Hour 5: T is due a reminder and E (announced at hour 1) rides along, so one message, not two.
    expect(messages[5]!.changes.sort()).toEqual(["errors:none", "threshold:reminder"]);
    expect(messages[6]!.changes).toContain("errors:resolved");
    expect(messages[7]!.changes).toContain("threshold:resolved");
  });

  it("a run that did not complete does not count as clear", () => {
    const first = run([], [finding("threshold")], 0);
    const aborted = run(first.upserts, [], 1, { countClear: false, openGroupKey: first.group!.groupKey });
    expect(aborted.upserts).toHaveLength(0);
  });

  it("does not step twice when the same run is handled again", () => {
    const first = run([], [finding("threshold")], 0);
    const again = run(first.upserts, [finding("threshold")], 0);
    expect(again.upserts).toHaveLength(0);
    expect(again.group).toBeNull();
  });

  it("holds silenced alerts back but still records them", () => {
    const silences = [{ id: "sil_1", matchers: [{ name: "detector" as const, op: "=" as const, value: "errors" }] }];
    const plan = run([], [finding("threshold"), finding("errors")], 0, { silences });
    const errors = plan.upserts.find((a) => a.labels.detector === "errors")!;
    expect(errors.state).toBe("firing");
    expect(errors.silencedBy).toBe("sil_1");
    expect(plan.group?.alerts.map((a) => a.labels.detector)).toEqual(["threshold"]);
    expect(plan.events.find((e) => e.labels.detector === "errors")?.event).toBe("silenced");
  });
});
