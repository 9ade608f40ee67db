// A runaway page end to end, every part real: the OpenTelemetry SDK's protobuf exporter posts
// spans to the running service (POST /v1/traces), the receiver sums them into spend_minutes, the
// service's own spend-watch worker checks them on its 30 s interval, the alert lifecycle queues the
// page in the outbox, and the @slack/web-api client delivers it to the Slack stand-in. Time is the
// test's manual clock throughout: every worker of the service sleeps on it, so nothing waits for a
// wall-clock interval.
import { like, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { queryRows } from "../../src/store/db.ts";
import { alertEvents, alerts } from "../../src/store/tables/alerts.ts";
import { ManualClock, waitAdvancing } from "../helpers/clock.ts";
import { testDatabase } from "../helpers/db.ts";
import { startFakeSlack } from "../helpers/slack-server.ts";
import { configYaml, loadTestConfig } from "../service/fixtures.ts";
import { agentTurn, otelSdk } from "./otel.ts";
import { serveWithIngest } from "./serve.ts";

const INGEST_TOKEN = "runaway-ingest-token-5c1e9a";
const SLACK_TOKEN = "xoxb-runaway-page-token-77d2";
const AGENT = "support-bot";
const MIN = 60_000;
const DAY = 86_400_000;
const minuteOf = (ms: number) => Math.floor(ms / MIN) * MIN;

/**
 * The service starts at T0, a Tuesday at 12:00:50 UTC: the spend-watch worker's first pass comes
 * 30 s of the test clock later (12:01:20), and each next one 30 s after the last has finished.
 */
const T0 = Date.parse("2026-01-13T12:00:50Z");
/** Agent turns a minute of usual traffic (each turn is two chat calls on gpt-4o). */
const USUAL = 3;
/** The runaway: this many turns in the first 10 s of 12:02, about 8× the usual minute. */
const JUMP_TURNS = 25;
const JUMP_MINUTE = minuteOf(T0) + 2 * MIN;

/** `perMinute` turns in each minute of [from, to), evenly over its first `spreadMs`. */
function turnTimes(from: number, to: number, perMinute: number, spreadMs = 45_000): Date[] {
  const out: Date[] = [];
  for (let m = from; m < to; m += MIN) for (let i = 0; i < perMinute; i++) out.push(new Date(m + Math.floor((i * spreadMs) / perMinute)));
  return out;
}

/**
 * The history the baseline needs, kept small: 40 minutes around now's time of day on each of the
 * last 8 days (every slot a pass until 12:05 reads), one export a day; and today's last half hour
 * up to the clock. All of it usual traffic.
 */
function historyBatches(): Date[][] {
  const around = minuteOf(T0);
  const days = [8, 7, 6, 5, 4, 3, 2, 1].map((d) => turnTimes(around - d * DAY - 20 * MIN, around - d * DAY + 20 * MIN, USUAL));
  // This minute's turns (12:00:00, :15, :30) are before the clock's 12:00:50.
  return [...days, turnTimes(around - 30 * MIN, around + MIN, USUAL)];
}

describe("a runaway page end to end through the Slack stand-in", () => {
  it("spans through OTLP into spend_minutes, the service's spend watch pages Slack on the jump and not on the history", async () => {
    await using slack = await startFakeSlack({ token: SLACK_TOKEN });
    await using database = await testDatabase();
    const clock = new ManualClock(T0);
    // A job schedule that never fires in the test; pages go to the stand-in.
    const yaml = configYaml({ job: { schedule: "0 0 1 1 *" }, slackApiUrl: slack.apiUrl });
    const loaded = await loadTestConfig(yaml, { SLACK_BOT_TOKEN: SLACK_TOKEN });
    await using served = await serveWithIngest(loaded, database, { token: INGEST_TOKEN, clock });
    const sdk = otelSdk({ url: served.tracesUrl, token: INGEST_TOKEN, protocol: "proto" });
    const callsStored = async () =>
      Number((await queryRows<{ n: number }>(database.db, sql`select coalesce(sum(calls), 0)::int as n from spend_minutes`))[0]!.n);
    /** Exports the turns as one request, as a BatchSpanProcessor's flush does. */
    const send = async (times: Date[]) => {
      for (const at of times) agentTurn(sdk.tracer, AGENT, at);
      await sdk.flush();
    };
    try {
      // History: the receiver holds it until its flush interval (5 s) on the test clock, well
      // before the first spend-watch pass (T0 + 30 s).
      const history = historyBatches();
      for (const batch of history) await send(batch);
      const historyCalls = 2 * history.flat().length;
      await waitAdvancing(clock, async () => (await callsStored()) === historyCalls, { limit: new Date(T0 + 29_000), stepMs: 1_000 });

      // Passes over the history alone (the first at 12:01:20), up to the clock's 12:02:10.
      await clock.advanceTo(JUMP_MINUTE + 10_000);
      expect(slack.calls.filter((c) => c.method === "chat.postMessage")).toEqual([]);

      // The jump: 12:02:00 to 12:02:10, exported at 12:02:10. Once it is stored, the next pass
      // pages; the test clock moves on until the page is in Slack.
      await send(turnTimes(JUMP_MINUTE, JUMP_MINUTE + MIN, JUMP_TURNS, 10_000));
      await waitAdvancing(clock, async () => (await callsStored()) === historyCalls + 2 * JUMP_TURNS, {
        limit: new Date(JUMP_MINUTE + MIN),
        stepMs: 1_000,
      });
      await waitAdvancing(clock, async () => slack.roots().length > 0, { limit: new Date(JUMP_MINUTE + 2 * MIN), stepMs: 1_000 });
    } finally {
      await sdk.shutdown();
    }
    // Stopped before the log is read: everything it wrote is in.
    await served.service.stop();

    // The page: one root message naming the agent's production job and the jump against its usual.
    expect(slack.roots()).toHaveLength(1);
    const root = slack.roots()[0]!;
    expect(root.channel).toMatch(/^C/);
    const text = [root.text, ...root.attachments.map((a) => a.fallback ?? ""), JSON.stringify(root.blocks)].join("\n");
    expect(text).toContain(`production:${AGENT}`);
    const ratio = /production spend ×(\d+\.\d\d) its usual for this time of day/.exec(text);
    expect(ratio, text).not.toBeNull();
    expect(Number(ratio![1])).toBeGreaterThanOrEqual(served.app.loaded.config.production_spend.min_ratio);

    // History alone paged nothing. The spend watch's passes run one after another: its first, at
    // 12:01:20, read the stored history and finished before the pass that paged. The one alert
    // event is that pass's, and its check id names the pass's minute: the jump's or later. (The
    // event's own time is the clock when the decision was written, which the test may have moved
    // on meanwhile.) A pass before the jump's minute cannot have seen the jump: it reads minutes
    // up to its own.
    const [alert, ...others] = await database.db.select().from(alerts).where(like(alerts.job, "production:%"));
    expect(others).toEqual([]);
    expect(alert).toMatchObject({ job: `production:${AGENT}`, agent: AGENT, detector: "production-spend", state: "firing" });
    const events = await database.db.select().from(alertEvents).where(like(alertEvents.job, "production:%"));
    expect(events.map((e) => e.event)).toEqual(["firing"]);
    const checkId = events[0]!.runId ?? "";
    expect(checkId.startsWith(`spend-check:${AGENT}:`), checkId).toBe(true);
    const passMinute = checkId.slice(`spend-check:${AGENT}:`.length);
    expect(Date.parse(passMinute), `paged by the pass of ${passMinute}`).toBeGreaterThanOrEqual(JUMP_MINUTE);

    // Neither secret is in anything logged; every Slack call carried the token as its bearer.
    expect(served.logged()).not.toContain(INGEST_TOKEN);
    expect(served.logged()).not.toContain(SLACK_TOKEN);
    expect(slack.calls.every((c) => c.authorization === `Bearer ${SLACK_TOKEN}`)).toBe(true);
  });
});
