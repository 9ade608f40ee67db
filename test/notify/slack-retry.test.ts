import { describe, expect, it } from "vitest";
import { alertDeps, deliveryDeps } from "../../src/app.ts";
import { handleFindings } from "../../src/alerts/index.ts";
import { createAlertWorker } from "../../src/notify/delivery.ts";
import { alertGroups, alertOutbox } from "../../src/store/tables/alerts.ts";
import { serverUrl } from "../helpers/db.ts";
import { startFakeSlack } from "../helpers/slack-server.ts";
import { serverBehindProxy } from "../helpers/tcp-proxy.ts";
import { droppedCases, healthyCases, HOUR, manualClock, storeRun, testApp, thresholdFinding } from "../alerts/setup.ts";

const TOKEN = "xoxb-1111-goldwatch-test";

describe.skipIf(!serverUrl)("a Slack post whose ts could not be stored", () => {
  it("is found in the channel history by the next try and adopted: one root message, not two", async () => {
    await using outage = await serverBehindProxy();
    await using slack = await startFakeSlack({ token: TOKEN });
    const clock = manualClock();
    const slackConfig = { notify: { slack: { token: TOKEN, channel: "C0AGENTONCALL", api_url: slack.apiUrl } } }; // an id, as history needs
    // The first process reaches the database through the proxy; the one after the restart directly.
    const before = testApp(outage.database, { clock, ...slackConfig });
    const after = testApp(outage.direct, { clock, ...slackConfig });
    for (let i = 0; i < 6; i++) {
      await storeRun(before, { cases: healthyCases() });
      clock.tick(HOUR);
    }
    const bad = await storeRun(before, { cases: droppedCases() });
    const job = before.loaded.config.jobs["support-hourly"]!;
    await handleFindings(alertDeps(before), { jobName: "support-hourly", job, summary: bad, findings: [thresholdFinding(bad)] });

    // Slack takes the post, and the first process loses its database for good before it can store
    // the ts (as if it died there): its delivery never settles.
    slack.onPost = () => {
      outage.proxy.cut();
      slack.onPost = undefined;
    };
    const first = createAlertWorker(deliveryDeps(before), { random: () => 1 });
    const stuck = first.drain({ timeoutMs: 0 }).catch(() => 0);
    while (slack.roots().length === 0) await new Promise((r) => setTimeout(r, 10));

    // The next process claims the row once its lease has run out, and finds the post.
    clock.tick(10 * 60_000);
    const second = createAlertWorker(deliveryDeps(after), { random: () => 1 });
    try {
      await second.drain({ timeoutMs: 0 });
      expect(slack.roots()).toHaveLength(1);
      expect(slack.calls.map((c) => c.method)).toEqual(["chat.postMessage", "conversations.history"]);
      const root = slack.roots()[0]!;
      expect(root.metadata?.event_type).toBe("goldwatch_alert");
      const [group] = await outage.direct.db.select().from(alertGroups);
      expect(group).toMatchObject({ slackChannel: "C0AGENTONCALL", slackTs: root.ts });
      const rows = await outage.direct.db.select().from(alertOutbox);
      expect(rows.map((r) => `${r.kind}:${r.status}:${r.attempts}`)).toEqual(["firing:sent:2"]);
    } finally {
      await second.stop();
      await outage.database.close(); // ends the first process's stuck queries
      await stuck;
      await first.stop();
    }
  });

  it("a reply in the thread (a reminder) is found there by the next try: one reminder, not two", async () => {
    await using outage = await serverBehindProxy();
    await using slack = await startFakeSlack({ token: TOKEN });
    const clock = manualClock();
    const slackConfig = { notify: { slack: { token: TOKEN, channel: "C0AGENTONCALL", api_url: slack.apiUrl } } };
    const before = testApp(outage.database, { clock, ...slackConfig });
    const after = testApp(outage.direct, { clock, ...slackConfig });
    const job = after.loaded.config.jobs["support-hourly"]!;
    for (let i = 0; i < 6; i++) {
      await storeRun(after, { cases: healthyCases() });
      clock.tick(HOUR);
    }
    // The first process delivers; when Slack takes a thread reply, its database goes away for good.
    let cut = false;
    slack.onPost = (msg) => {
      if (!msg.threadTs) return;
      outage.proxy.cut();
      cut = true;
      slack.onPost = undefined;
    };
    const first = createAlertWorker(deliveryDeps(before), { random: () => 1 });
    let stuck: Promise<number> = Promise.resolve(0);
    for (let i = 0; i < 8 && !cut; i++) {
      const bad = await storeRun(after, { cases: droppedCases() });
      await handleFindings(alertDeps(after), { jobName: "support-hourly", job, summary: bad, findings: [thresholdFinding(bad)] });
      stuck = first.drain({ timeoutMs: 0 }).catch(() => 0);
      await Promise.race([
        stuck,
        (async () => {
          while (!cut) await new Promise((r) => setTimeout(r, 10));
        })(),
      ]);
      clock.tick(HOUR);
    }
    expect(cut).toBe(true);
    const root = slack.roots()[0]!;
    expect(slack.replies(root)).toHaveLength(1);

    clock.tick(10 * 60_000);
    const second = createAlertWorker(deliveryDeps(after), { random: () => 1 });
    try {
      await second.drain({ timeoutMs: 0 });
      expect(slack.roots()).toHaveLength(1);
      expect(slack.replies(root).map((r) => r.text.split("\n")[0])).toEqual([expect.stringMatching(/^⏰ Still firing/)]);
      expect(slack.calls.filter((c) => c.method === "conversations.replies")).toHaveLength(1);
      const rows = await outage.direct.db.select().from(alertOutbox);
      expect(rows.filter((r) => r.kind === "reminder").map((r) => `${r.status}:${r.attempts}`)).toEqual(["sent:2"]);
    } finally {
      await second.stop();
      await outage.database.close();
      await stuck;
      await first.stop();
    }
  });
});
