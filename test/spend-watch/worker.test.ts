import { asc, eq, like, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { alertDeps, deliveryDeps, type App } from "../../src/app.ts";
import { productionSpendSchema } from "../../src/config/production-spend.ts";
import { createLogger } from "../../src/log.ts";
import { createAlertWorker } from "../../src/notify/delivery.ts";
import { ranges, loadActiveSpend } from "../../src/spend-watch/store.ts";
import { spendPolicy, startSpendWatch } from "../../src/spend-watch/worker.ts";
import { alertEvents, alerts } from "../../src/store/tables/alerts.ts";
import { testDatabase } from "../helpers/db.ts";
import { startFakeSlack } from "../helpers/slack-server.ts";
import { manualClock, testApp, type ManualClock } from "../alerts/setup.ts";

const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const d of opened.reverse()) await d.close();
});

/** Tuesday noon (UTC): the tests' now. */
const NOW = new Date("2026-01-13T12:00:40Z");
const DAY = 86_400_000;
const MIN = 60_000;

/**
 * Adds `calls` calls a minute ($0.01 and 1,000 tokens each) for `agent` over [from, to), as the
 * receiver would: one row per minute and model, added to what is there.
 */
async function spend(app: App, agent: string, from: number, to: number, calls: number, model = "gpt-4o-2024-08-06") {
  const unpriced = model.startsWith("unpriced");
  await app.database.db.execute(sql`
    insert into spend_minutes (minute, agent, service, provider, model, calls, input_tokens, output_tokens, cost_usd, unpriced_calls)
    select g, ${agent}, 'svc', 'openai', ${model}, ${calls}, ${calls * 800}, ${calls * 200}, ${unpriced ? 0 : calls * 0.01}, ${unpriced ? calls : 0}
    from generate_series(${new Date(from).toISOString()}::timestamptz, ${new Date(to - MIN).toISOString()}::timestamptz, interval '1 minute') g
    on conflict (minute, agent, service, provider, model) do update set
      calls = spend_minutes.calls + excluded.calls, input_tokens = spend_minutes.input_tokens + excluded.input_tokens,
      output_tokens = spend_minutes.output_tokens + excluded.output_tokens, cost_usd = spend_minutes.cost_usd + excluded.cost_usd,
      unpriced_calls = spend_minutes.unpriced_calls + excluded.unpriced_calls`);
}

const minuteOf = (ms: number) => Math.floor(ms / MIN) * MIN;

/** Eight days of steady spend up to the minute in progress (whose part so far is in). */
async function steadyHistory(app: App, agent: string, calls = 20) {
  await spend(app, agent, minuteOf(NOW.getTime()) - 8 * DAY, minuteOf(NOW.getTime()), calls);
}

async function setup(opts: { notify?: Record<string, unknown>; config?: Record<string, unknown>; lines?: string[] } = {}) {
  const database = await testDatabase();
  opened.push(database);
  const clock = manualClock(NOW);
  const log = opts.lines ? createLogger({ level: "info", destination: { write: (s: string) => void opts.lines!.push(s) } }) : undefined;
  const app = testApp(database, { clock, ...(opts.notify ? { notify: opts.notify } : {}), ...(log ? { log } : {}) });
  const cfg = productionSpendSchema.parse(opts.config ?? {});
  const worker = startSpendWatch({ alerts: alertDeps(app), config: () => cfg });
  opened.push({ close: () => worker.stop() });
  return { database, app, clock, worker, cfg };
}

async function states(app: App) {
  const rows = await app.database.db.select().from(alerts).where(like(alerts.job, "production:%"));
  return Object.fromEntries(rows.map((a) => [`${a.job} ${(a.labels as { detector: string }).detector}`, a.state]));
}

/** Advances the clock a minute at a time, one pass each. */
async function minutes(clock: ManualClock, worker: { pass(): Promise<unknown> }, n: number) {
  for (let i = 0; i < n; i++) {
    clock.tick(MIN);
    await worker.pass();
  }
}

describe("the spend-watch worker over spend_minutes", () => {
  it("reads the last 90 minutes and each past day's slot in one query, summed over models, for active agents only", async () => {
    const { app } = await setup();
    const now = NOW.getTime();
    await steadyHistory(app, "bot");
    await spend(app, "bot", minuteOf(now) - 8 * DAY, minuteOf(now) + MIN, 1, "other-model");
    await spend(app, "idle-bot", now - 8 * DAY, now - 2 * 3_600_000, 5);
    const [bot, ...rest] = await loadActiveSpend(app.database.db, now);
    expect(rest).toEqual([]);
    expect(bot!.agent).toBe("bot");
    expect(bot!.firstSeenMs).toBe(minuteOf(now - 8 * DAY));
    expect(bot!.minutes.get(minuteOf(now) - MIN)).toEqual({
      calls: 21,
      tokens: 21_000,
      costUsd: expect.closeTo(0.21, 9),
      unpricedCalls: 0,
    });
    expect(bot!.minutes.get(minuteOf(now))).toEqual({ calls: 1, tokens: 1000, costUsd: expect.closeTo(0.01, 9), unpricedCalls: 0 });
    // Only the ranges' minutes since the first: 90 recent, 30 for each of the 7 past days, 15 of the 8th.
    const first = minuteOf(now - 8 * DAY);
    const expected = ranges(now).reduce((a, [from, to]) => a + Math.max(0, (to - Math.max(from, first)) / MIN), 0);
    expect(bot!.minutes.size).toBe(expected);
    expect(expected).toBe(90 + 7 * 30 + 15);
    expect(ranges(now)).toHaveLength(1 + 28);
  });

  it("pages a runaway agent only, once per minute, and resolves when its spend is back to normal", async () => {
    const lines: string[] = [];
    const { app, clock, worker, database } = await setup({ lines });
    const now = NOW.getTime();
    await steadyHistory(app, "steady-bot");
    await steadyHistory(app, "runaway-bot");
    // 5× from the start of the last minute: 4 more calls a minute on top of the 20.
    await spend(app, "runaway-bot", minuteOf(now) - MIN, minuteOf(now) + MIN, 80);
    await worker.pass();
    expect(await states(app)).toEqual({ "production:runaway-bot production-spend": "firing" });
    const [alert] = await database.db.select().from(alerts).where(eq(alerts.job, "production:runaway-bot"));
    expect(alert!.summary).toMatch(/^production spend ×\d\.\d\d its usual for this time of day: \$\d/);
    expect((alert!.evidence as { ratio: number }).ratio).toBeGreaterThan(3);
    expect(alert!.agent).toBe("runaway-bot");

    // Half a minute later, the same minute: the alert is not stepped again.
    const events = async () => (await database.db.select().from(alertEvents).orderBy(asc(alertEvents.id))).length;
    const before = await events();
    clock.tick(15_000);
    await worker.pass();
    expect(await events()).toBe(before);

    // It keeps running away, then stops: resolved once the last 30 minutes look normal again.
    await spend(app, "runaway-bot", minuteOf(now) + MIN, minuteOf(now) + 5 * MIN, 100);
    await spend(app, "steady-bot", minuteOf(now) + MIN, minuteOf(now) + 60 * MIN, 20);
    await spend(app, "runaway-bot", minuteOf(now) + 5 * MIN, minuteOf(now) + 60 * MIN, 20);
    await minutes(clock, worker, 5);
    expect(await states(app)).toEqual({ "production:runaway-bot production-spend": "firing" });
    await minutes(clock, worker, 40);
    expect(await states(app)).toEqual({ "production:runaway-bot production-spend": "resolved" });
    expect(lines.filter((l) => l.includes("production spend back to normal")).length).toBe(1);
  });

  it("caps a new agent (no baseline yet) by its own cap or the default", async () => {
    const config = { default_cap: { usd_per_hour: 100 }, caps: { "new-bot": { usd_per_hour: 5 } } };
    const { app, worker, cfg } = await setup({ config });
    const now = NOW.getTime();
    // Two hours old, $0.10 a minute: $6 in the last hour.
    await spend(app, "new-bot", minuteOf(now) - 120 * MIN, minuteOf(now) + MIN, 10);
    await spend(app, "other-new-bot", minuteOf(now) - 120 * MIN, minuteOf(now) + MIN, 10);
    await worker.pass();
    expect(await states(app)).toEqual({ "production:new-bot spend-cap": "firing" });
    expect(spendPolicy(cfg, "other-new-bot")).toMatchObject({ capUsdPerHour: 100, capUsdPerMinute: undefined });
  });

  it("survives the table going away and pages once it is back; runs on its interval of the injected clock", async () => {
    const lines: string[] = [];
    const { app, clock, worker, database } = await setup({ lines, config: { check_interval: "20s" } });
    const now = NOW.getTime();
    await steadyHistory(app, "runaway-bot");
    await spend(app, "runaway-bot", minuteOf(now) - MIN, minuteOf(now) + MIN, 80);
    await database.db.execute(sql`alter table spend_minutes rename to spend_minutes_away`);
    await worker.pass();
    expect(lines.some((l) => l.includes("reading production spend failed; will retry"))).toBe(true);
    await database.db.execute(sql`alter table spend_minutes_away rename to spend_minutes`);
    const queued = new Promise<void>((resolve) => app.events.on("alert:queued", () => resolve()));
    // Nothing was checked yet; the loop's next pass comes after 20 s of the manual clock.
    await clock.untilSleeping();
    await clock.advanceTo(now + 20_000);
    await queued;
    expect(await states(app)).toEqual({ "production:runaway-bot production-spend": "firing" });
  });

  it("does nothing when disabled", async () => {
    const { app, worker } = await setup({ config: { enabled: false } });
    await steadyHistory(app, "runaway-bot");
    await spend(app, "runaway-bot", minuteOf(NOW.getTime()) - MIN, minuteOf(NOW.getTime()) + MIN, 80);
    await worker.pass();
    expect(await states(app)).toEqual({});
  });
});

describe("a runaway page end to end", () => {
  it("reaches Slack through the outbox, and its resolution follows in the thread", async () => {
    const slack = await startFakeSlack({ token: "xoxb-spend-test" });
    opened.push(slack);
    const notify = { slack: { token: "xoxb-spend-test", channel: "#agent-oncall", api_url: slack.apiUrl } };
    const { app, clock, worker } = await setup({ notify });
    const delivery = createAlertWorker(deliveryDeps(app));
    opened.push({ close: () => delivery.stop() });
    const now = NOW.getTime();
    await steadyHistory(app, "support-bot");
    await spend(app, "support-bot", minuteOf(now) - MIN, minuteOf(now) + MIN, 80);

    await worker.pass();
    expect(await delivery.drain({ timeoutMs: 0 })).toBe(0);
    expect(slack.roots()).toHaveLength(1);
    const root = slack.roots()[0]!;
    const text = [root.text, ...root.attachments.map((a) => a.fallback ?? ""), JSON.stringify(root.blocks)].join("\n");
    expect(text).toContain("production:support-bot");
    expect(text).toMatch(/production spend ×\d\.\d\d its usual for this time of day/);

    await spend(app, "support-bot", minuteOf(now) + MIN, minuteOf(now) + 60 * MIN, 20);
    await minutes(clock, worker, 45);
    await delivery.drain({ timeoutMs: 0 });
    expect(slack.roots()).toHaveLength(1);
    const replies = slack.replies(root);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(replies.at(-1))).toMatch(/resolved/i);
  });
});
