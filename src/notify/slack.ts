import { ErrorCode, LogLevel, WebClient, type Logger as SlackLogger } from "@slack/web-api";
import type { Logger } from "../log.ts";
import type { Notification } from "../alerts/notification.ts";
import type { Notifier, SendOutcome } from "./notifier.ts";
import { rootMessage, threadText } from "./slack-blocks.ts";

/** Where a group's root message lives (stored in alert_groups). */
export interface SlackRef {
  channel: string;
  ts: string;
}

/** The narrow store the Slack channel needs: read and record a group's root message. */
export interface SlackRefs {
  get(groupKey: string): Promise<SlackRef | undefined>;
  set(groupKey: string, ref: SlackRef): Promise<void>;
}

/** From `notify.slack`. */
export interface SlackOptions {
  token: string;
  channel: string;
  /** Web API base; default https://slack.com/api/. */
  apiUrl?: string;
  timeoutMs: number;
}

/** Platform errors no retry can fix, with what the operator should do. */
const FIXES: Record<string, string> = {
  invalid_auth:
    "notify.slack.token is not a valid token: use the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page",
  not_authed: "notify.slack.token is empty or missing: set it to the Bot User OAuth Token (xoxb-…)",
  account_inactive: "the Slack app's token was deactivated: reinstall the app and update notify.slack.token",
  token_revoked: "the Slack token was revoked: reinstall the app and update notify.slack.token",
  token_expired: "the Slack token expired: rotate it and update notify.slack.token",
  missing_scope: "the Slack app lacks the chat:write scope: add it under OAuth & Permissions and reinstall",
  channel_not_found:
    "notify.slack.channel does not exist or the bot cannot see it: check the name, and for a private channel invite the bot",
  not_in_channel: "the bot is not in notify.slack.channel: invite it with /invite @<your bot> in that channel",
  is_archived: "notify.slack.channel is archived: unarchive it or choose another channel",
  restricted_action: "the workspace does not allow the bot to post there: ask a Slack admin",
  msg_too_long: "the message was too long for Slack (please report this bug)",
  invalid_blocks: "Slack rejected the message layout (please report this bug)",
  invalid_attachments: "Slack rejected the message layout (please report this bug)",
};

/** Platform errors worth another try later. */
const TRANSIENT = new Set(["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"]);

/** chat.update cannot change this message any more: post a new one instead. */
const GONE = new Set(["message_not_found", "cant_update_message", "edit_window_closed"]);

/** Slack message metadata type on goldwatch's messages (their outbox dedup key in the payload). */
const METADATA_TYPE = "goldwatch_alert";

/** Whether a message's metadata marks it as the one goldwatch posted for `dedupKey`. */
function isOurs(metadata: unknown, dedupKey: string): boolean {
  const meta = metadata as { event_type?: string; event_payload?: { dedup_key?: unknown } } | undefined;
  return meta?.event_type === METADATA_TYPE && meta.event_payload?.dedup_key === dedupKey;
}

interface SlackFailure {
  code?: string;
  data?: { error?: string; response_metadata?: { retryAfter?: number } };
  retryAfter?: number;
  statusCode?: number;
  message: string;
}

/** Maps a WebClient error to an outcome: rate limits and outages retry, configuration errors do not. */
export function classifySlackError(e: unknown): SendOutcome {
  const err = e as SlackFailure;
  if (err.code === ErrorCode.RateLimitedError) {
    return { status: "retry", error: "slack rate limited (429)", retryAfterMs: (err.retryAfter ?? 1) * 1000 };
  }
  if (err.code === ErrorCode.PlatformError) {
    const code = err.data?.error ?? "unknown_error";
    if (TRANSIENT.has(code)) {
      const after = err.data?.response_metadata?.retryAfter;
      return { status: "retry", error: `slack: ${code}`, ...(after !== undefined ? { retryAfterMs: after * 1000 } : {}) };
    }
    return { status: "failed", error: `slack: ${code}`, fix: FIXES[code] ?? `Slack refused the message (${code})` };
  }
  if (err.code === ErrorCode.HTTPError) {
    const status = err.statusCode ?? 0;
    if (status >= 500 || status === 408) return { status: "retry", error: `slack: HTTP ${status}` };
    return {
      status: "failed",
      error: `slack: HTTP ${status}`,
      fix: "check notify.slack.api_url (the Web API base, e.g. https://slack.com/api/)",
    };
  }
  // Request errors (connection refused, timeouts, DNS) and anything unexpected: Slack is unreachable.
  return { status: "retry", error: `slack unreachable: ${err.message}` };
}

/** Routes the WebClient's own chatter to our logger at debug level. */
function slackLogger(log: Logger): SlackLogger {
  const child = log.child({ component: "slack-web-api" });
  return {
    debug: (...m: unknown[]) => child.debug(m.map(String).join(" ")),
    info: (...m: unknown[]) => child.debug(m.map(String).join(" ")),
    warn: (...m: unknown[]) => child.debug(m.map(String).join(" ")),
    error: (...m: unknown[]) => child.debug(m.map(String).join(" ")),
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}

/**
 * The official WebClient, set up for an outbox: no retries of its own and rate-limited calls
 * rejected at once, so a 429 reschedules one outbox row for Retry-After instead of pausing the
 * client's queue (and every other send) for minutes.
 */
export function slackClient(opts: SlackOptions, log: Logger): WebClient {
  return new WebClient(opts.token, {
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs,
    logger: slackLogger(log),
  });
}

/** What the Slack channel needs: the client, where roots are recorded, a log and the time (history reads). */
export interface SlackDeps {
  client: WebClient;
  refs: SlackRefs;
  log?: Logger;
  now: () => Date;
}

/**
 * A root posted for `dedupKey` within the last day, if the history says so. Needs
 * notify.slack.channel as an id (C…; history does not take names) and the channels:history scope
 * (groups:history for a private channel); without them the retry posts again: a duplicate root
 * beats a lost page.
 */
async function findPosted(client: WebClient, opts: SlackOptions, deps: SlackDeps, dedupKey: string): Promise<SlackRef | undefined> {
  try {
    const res = await client.conversations.history({
      channel: opts.channel,
      limit: 100,
      include_all_metadata: true,
      oldest: String(Math.floor(deps.now().getTime() / 1000) - 86_400),
    });
    const hit = res.messages?.find((m) => isOurs(m.metadata, dedupKey));
    return hit?.ts ? { channel: opts.channel, ts: hit.ts } : undefined;
  } catch (e) {
    deps.log?.warn(
      { err: (e as SlackFailure).data?.error ?? (e as Error).message },
      "cannot read Slack history to avoid a duplicate post; posting",
    );
    return undefined;
  }
}

/** Whether the thread of `ref` holds the reply an earlier try posted for `dedupKey`. */
async function repliedBefore(client: WebClient, deps: SlackDeps, ref: SlackRef, dedupKey: string): Promise<boolean> {
  try {
    const res = await client.conversations.replies({ channel: ref.channel, ts: ref.ts, limit: 200, include_all_metadata: true });
    return (res.messages ?? []).some((m) => isOurs(m.metadata, dedupKey));
  } catch (e) {
    deps.log?.warn(
      { err: (e as SlackFailure).data?.error ?? (e as Error).message },
      "cannot read the Slack thread to avoid a duplicate reply; posting",
    );
    return false;
  }
}

/**
 * Slack: one root message per group (Block Kit in a coloured attachment, plain-text fallback),
 * `chat.update` to show changes and turn it green on resolve, reminders and changes in its thread.
 * The root's channel and ts are stored, so a retried `firing` does not post twice.
 */
export function slackNotifier(opts: SlackOptions, deps: SlackDeps): Notifier {
  const { client, refs } = deps;

  /**
   * Posts the group's root. Each root carries its outbox row's dedup key in Slack's message
   * metadata; a retry (an earlier try may have posted before its ts could be stored, say the
   * database blinked) first looks for it in the channel's recent history and adopts it.
   */
  const post = async (n: Notification, dedupKey: string, attempt: number): Promise<SlackRef> => {
    let ref = attempt > 1 ? await findPosted(client, opts, deps, dedupKey) : undefined;
    if (!ref) {
      const res = await client.chat.postMessage({
        channel: opts.channel,
        unfurl_links: false,
        unfurl_media: false,
        ...rootMessage(n),
        metadata: { event_type: METADATA_TYPE, event_payload: { dedup_key: dedupKey } },
      });
      ref = { channel: String(res.channel), ts: String(res.ts) };
    }
    await refs.set(n.groupKey, ref);
    return ref;
  };

  /** Updates the root; when Slack can no longer edit it, posts a fresh root instead. */
  const update = async (ref: SlackRef, n: Notification, dedupKey: string): Promise<SlackRef> => {
    try {
      await client.chat.update({ channel: ref.channel, ts: ref.ts, ...rootMessage(n) });
      return ref;
    } catch (e) {
      const code = (e as SlackFailure).data?.error;
      if (code && GONE.has(code)) return post(n, `${dedupKey}|repost`, 1);
      throw e;
    }
  };

  /** A reply in the root's thread; a retry first looks in the thread for the one an earlier try posted. */
  const reply = async (ref: SlackRef, n: Notification, broadcast: boolean, dedupKey: string, attempt: number) => {
    if (attempt > 1 && (await repliedBefore(client, deps, ref, dedupKey))) return;
    await client.chat.postMessage({
      channel: ref.channel,
      thread_ts: ref.ts,
      text: threadText(n),
      reply_broadcast: broadcast,
      unfurl_links: false,
      metadata: { event_type: METADATA_TYPE, event_payload: { dedup_key: dedupKey } },
    });
  };

  return {
    channel: "slack",
    wants: () => true,
    async send(n, meta) {
      try {
        let ref = await refs.get(n.groupKey);
        if (!ref) {
          // No root yet (the firing message failed for good, or this is the first): post one.
          ref = await post(n, meta.dedupKey, meta.attempt ?? 1);
        } else if (n.kind === "firing") {
          // A retry after the post went through: bring the root up to date, post nothing new.
          ref = await update(ref, n, meta.dedupKey);
        } else if (n.kind === "reminder") {
          await reply(ref, n, false, meta.dedupKey, meta.attempt ?? 1);
        } else {
          ref = await update(ref, n, meta.dedupKey);
          await reply(
            ref,
            n,
            n.alerts.some((a) => a.change === "new"),
            meta.dedupKey,
            meta.attempt ?? 1,
          );
        }
        return { status: "sent", ref: `${ref.channel}:${ref.ts}` };
      } catch (e) {
        return classifySlackError(e);
      }
    },
  };
}
