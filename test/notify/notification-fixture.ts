import type { Notification } from "../../src/alerts/notification.ts";

/** A firing notification of one threshold alert (its summary holds markup, to check escaping), with `over` applied. */
export const notificationFixture = (over: Partial<Notification> = {}): Notification => ({
  version: 1,
  kind: "firing",
  groupKey: "j/r1",
  job: "support-hourly",
  agent: "support-bot",
  runId: "r1",
  at: "2025-06-02T12:00:00.000Z",
  alerts: [
    {
      fingerprint: "abc",
      labels: { job: "support-hourly", agent: "support-bot", detector: "threshold" },
      severity: "critical",
      summary: "accuracy 60.0% [50.0, 70.0] is below the floor 85% <b>",
      evidence: {},
      state: "firing",
      change: "new",
      startsAt: "2025-06-02T08:00:00.000Z",
      firedAt: "2025-06-02T08:00:00.000Z",
      resolvedAt: null,
    },
  ],
  context: null,
  ...over,
});
