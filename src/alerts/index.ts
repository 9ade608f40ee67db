import { backoffMs, DB_OUTAGE } from "../backoff.ts";
import type { Clock } from "../clock.ts";
import type { JobConfig, NotifyConfig } from "../config/schema.ts";
import type { Redactor } from "../config/secrets.ts";
import type { Finding } from "../detect/types.ts";
import type { RunSummary } from "../engine/summary.ts";
import type { Events } from "../engine/events.ts";
import type { Logger } from "../log.ts";
import type { Db } from "../store/db.ts";
import { isTransientDbError } from "../store/errors.ts";
import { buildContext } from "./context.ts";
import { fingerprint, labelsOf, type AlertLabels } from "./labels.ts";
import type { MessageContext, Notification } from "./notification.ts";
import { planRun, type Plan } from "./plan.ts";
import { channelWants, enabledChannels, lifecyclePolicy } from "./routing.ts";
import type { Matcher } from "./silence-matchers.ts";
import {
  activeSilences,
  closeGroup,
  enqueueOutbox,
  insertAlertEvents,
  insertGroup,
  lockJobAlerts,
  loadJobAlerts,
  openGroupOf,
  upsertAlerts,
} from "./store.ts";

/**
 * What alert decisions need. `notify` and `publicUrl` are read at each decision, so a config
 * reload takes effect; `secrets` is the process's one Secrets (reloads add to it).
 */
export interface AlertDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  events: Events;
  secrets: Redactor;
  /** The `notify` config: channels and lifecycle settings. */
  notify: () => NotifyConfig;
  /** `server.public_url`, for links in messages. */
  publicUrl: () => string | undefined;
}

/** What one run's alert decisions came to. */
export interface HandledFindings {
  plan: Plan;
  /** Outbox rows written (one per channel for the group message, if any). */
  queued: number;
}

/**
 * Turns a run's findings into alert state and notifications. Every alert of the job steps through
 * its lifecycle (src/alerts/lifecycle.ts, pure); the new states, their history and the outbox rows
 * are written in ONE transaction, under a per-job lock, so a crash leaves either all or none and a
 * page is never lost between "alert firing" and "message queued". Delivery happens later, in the
 * outbox worker of whichever replica claims the rows.
 */
export async function handleFindings(
  deps: AlertDeps,
  input: { jobName: string; job: JobConfig; summary: RunSummary; findings: Finding[] },
): Promise<HandledFindings> {
  const { summary } = input;
  return decide(deps, {
    jobName: input.jobName,
    agent: summary.agent,
    runId: summary.runId,
    // A run that did not complete proves nothing about absent findings.
    countClear: summary.status === "completed",
    findings: input.findings,
    summary,
  });
}

/**
 * Findings of a periodic check that is not a run (missed runs): only alerts of `detectors` are
 * stepped, the job's other alerts are left as they are. `checkId` identifies the check (one per
 * job and check time), so a retried check does not step twice.
 */
export async function handleCheckFindings(
  deps: AlertDeps,
  input: { jobName: string; agent: string; checkId: string; detectors: readonly string[]; findings: Finding[] },
): Promise<HandledFindings> {
  return decide(deps, {
    jobName: input.jobName,
    agent: input.agent,
    runId: input.checkId,
    countClear: true,
    findings: input.findings,
    scope: (labels) => input.detectors.includes(labels.detector),
  });
}

interface Decision {
  jobName: string;
  agent: string;
  runId: string;
  countClear: boolean;
  findings: Finding[];
  /** The run behind the decision; absent for periodic checks (the message then has no run details). */
  summary?: RunSummary;
  scope?: (labels: AlertLabels) => boolean;
}

async function decide(deps: AlertDeps, input: Decision): Promise<HandledFindings> {
  const { secrets, log, events } = deps;
  const notify = deps.notify();
  const { summary, jobName } = input;
  const summaryLike = { agent: input.agent, runId: input.runId };
  const now = deps.clock.now();
  const findings = input.findings.map((f) => secrets.redactDeep({ ...f, job: jobName }));
  const channels = enabledChannels(notify);

  const result = await throughOutage(deps, jobName, () =>
    deps.db.transaction(async (tx) => {
      await lockJobAlerts(tx, jobName);
      const openGroupKey = await openGroupOf(tx, jobName);
      const existing = await loadJobAlerts(
        tx,
        jobName,
        findings.map((f) => fingerprint(labelsOf(f))),
        openGroupKey,
      );
      const silences = (await activeSilences(tx, now)).map((s) => ({ id: s.id, matchers: s.matchers as Matcher[] }));
      const plan = planRun({
        job: jobName,
        agent: summaryLike.agent,
        runId: summaryLike.runId,
        now,
        countClear: input.countClear,
        findings,
        existing,
        silences,
        openGroupKey,
        policy: lifecyclePolicy(notify),
        ...(input.scope ? { scope: input.scope } : {}),
      });
      await upsertAlerts(tx, jobName, summaryLike.agent, plan.upserts, now);
      await insertAlertEvents(tx, jobName, summaryLike.runId, now, plan.events);
      const g = plan.group;
      if (!g) return { plan, queued: 0, channels: [] as string[] };
      if (g.opens)
        await insertGroup(tx, { groupKey: g.groupKey, job: jobName, agent: summaryLike.agent, openedAt: now, runId: summaryLike.runId });
      if (g.closes) await closeGroup(tx, g.groupKey, now);
      const context = summary ? await contextFor(deps, tx, summary) : null;
      const n: Notification = {
        version: 1,
        kind: g.kind,
        groupKey: g.groupKey,
        job: jobName,
        agent: summaryLike.agent,
        runId: summaryLike.runId,
        at: now.toISOString(),
        alerts: g.alerts,
        context,
      };
      const to = channels.filter((c) => channelWants(c, n));
      const ids = await enqueueOutbox(
        tx,
        to.map((channel) => ({
          dedupKey: `${g.groupKey}|${g.kind}|${summaryLike.runId}|${channel}`,
          groupKey: g.groupKey,
          job: jobName,
          channel,
          kind: g.kind,
          payload: n,
          nextAttemptAt: now,
          createdAt: now,
        })),
      );
      return { plan, queued: ids.length, channels: to };
    }),
  );

  const g = result.plan.group;
  for (const e of result.plan.events) {
    log.info(
      { job: jobName, alert: e.fingerprint, detector: e.labels.detector, case: e.labels.case, event: e.event, silencedBy: e.silencedBy },
      `alert ${e.event}: ${e.summary}`,
    );
  }
  if (g && result.queued > 0)
    events.emit("alert:queued", {
      job: jobName,
      runId: summaryLike.runId,
      groupKey: g.groupKey,
      kind: g.kind,
      channels: result.channels,
    });
  return { plan: result.plan, queued: result.queued };
}

/** Attempts of the decision transaction through a database outage (DB_OUTAGE backoff: one to two and a half minutes). */
const OUTAGE_ATTEMPTS = 32;

/**
 * Repeats the decision transaction while the database is unreachable: it is all-or-nothing and
 * idempotent per run (alerts remember the last run, outbox rows have dedup keys), so a retry never
 * steps an alert twice or queues a message twice, and a page is not lost to a blip.
 */
async function throughOutage<T>(deps: AlertDeps, job: string, op: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!isTransientDbError(e) || attempt >= OUTAGE_ATTEMPTS) throw e;
      deps.log.warn({ job, attempt, err: deps.secrets.redact((e as Error).message) }, "storing alert decisions failed; retrying");
      deps.events.emit("store:retry", { error: e as Error, attempt });
      await deps.clock.sleep(backoffMs(attempt, DB_OUTAGE));
    }
  }
}

/**
 * The message context, read only when there is a message. In a savepoint: a failure to read it
 * costs the details, never the page (nor the transaction).
 */
async function contextFor(deps: AlertDeps, tx: Db, summary: RunSummary): Promise<MessageContext | null> {
  try {
    // Inside a transaction, drizzle's nested transaction is a savepoint.
    return await tx.transaction((sp) => buildContext(sp, summary, deps.publicUrl()));
  } catch (e) {
    deps.log.warn({ job: summary.job, err: deps.secrets.redact((e as Error).message) }, "cannot read run history for the alert message");
    return null;
  }
}
