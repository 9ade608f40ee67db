/** The lifecycle part of an alert's stored state. */
export interface LifecycleState {
  state: "pending" | "firing" | "resolved";
  /** Consecutive runs with the finding present (this episode). */
  activeRuns: number;
  /** Consecutive clear runs while firing. */
  clearRuns: number;
  startsAt: Date;
  firedAt: Date | null;
  resolvedAt: Date | null;
  /** When the last firing message or reminder was queued. */
  notifiedAt: Date | null;
  /** A firing message was queued this episode. */
  notified: boolean;
}

/** How the lifecycle is tuned (from `notify` in the config). */
export interface LifecyclePolicy {
  /** Runs present before firing (≥ 1). */
  for: number;
  /** Clear runs before a firing alert resolves (≥ 1). */
  keepFiringFor: number;
  repeatIntervalMs: number;
}

/** What one run observed about one alert. */
export interface Observation {
  present: boolean;
  /** An active silence matches the alert's labels. */
  silenced: boolean;
}

/** What happened, for the alert's history. */
export type LifecycleEvent = "pending" | "firing" | "silenced" | "reminder" | "resolved" | "cleared";

/** The message a transition asks for. */
export type NotifyKind = "firing" | "reminder" | "resolved";

/** One step: the new state, the history event, the message to send. */
export interface Transition {
  /** The new state; undefined when there is no alert and none is needed. */
  next: LifecycleState | undefined;
  event?: LifecycleEvent;
  notify?: NotifyKind;
}

function fire(s: LifecycleState, silenced: boolean, now: Date): Transition {
  const firing: LifecycleState = { ...s, state: "firing", firedAt: now };
  if (silenced) return { next: firing, event: "silenced" };
  return { next: { ...firing, notified: true, notifiedAt: now }, event: "firing", notify: "firing" };
}

/**
 * One run's step of an alert's lifecycle. Pure: the previous state (undefined for a new identity),
 * whether the finding is present this run, the policy and the time in; the new state and the
 * message to send out.
 *
 * - absent → pending on the first run present, firing after `for` consecutive runs;
 * - pending that clears goes back to resolved quietly (it never paged);
 * - firing resolves after `keepFiringFor` consecutive clear runs, and a present run resets the
 *   count, so a flapping agent keeps one alert open instead of paging every other run;
 * - reminders every `repeatIntervalMs` while present and firing;
 * - a silenced alert is recorded as firing but not announced; when the silence ends while it still
 *   fires, the firing message goes out then;
 * - a resolve message only for an alert whose firing message went out.
 */
export function transition(prev: LifecycleState | undefined, obs: Observation, policy: LifecyclePolicy, now: Date): Transition {
  if (!prev || prev.state === "resolved") {
    if (!obs.present) return { next: prev };
    const fresh: LifecycleState = {
      state: "pending",
      activeRuns: 1,
      clearRuns: 0,
      startsAt: now,
      firedAt: null,
      resolvedAt: null,
      notifiedAt: null,
      notified: false,
    };
    return fresh.activeRuns >= policy.for ? fire(fresh, obs.silenced, now) : { next: fresh, event: "pending" };
  }

  if (prev.state === "pending") {
    if (!obs.present) return { next: { ...prev, state: "resolved", activeRuns: 0, resolvedAt: now }, event: "cleared" };
    const s = { ...prev, activeRuns: prev.activeRuns + 1 };
    return s.activeRuns >= policy.for ? fire(s, obs.silenced, now) : { next: s };
  }

  // firing
  if (!obs.present) {
    const s = { ...prev, activeRuns: 0, clearRuns: prev.clearRuns + 1 };
    if (s.clearRuns < policy.keepFiringFor) return { next: s };
    const resolved = { ...s, state: "resolved" as const, resolvedAt: now };
    return prev.notified ? { next: resolved, event: "resolved", notify: "resolved" } : { next: resolved, event: "cleared" };
  }
  const s = { ...prev, activeRuns: prev.activeRuns + 1, clearRuns: 0 };
  if (obs.silenced) return { next: s };
  if (!prev.notified) return { next: { ...s, notified: true, notifiedAt: now }, event: "firing", notify: "firing" };
  const since = prev.notifiedAt ? now.getTime() - prev.notifiedAt.getTime() : Number.POSITIVE_INFINITY;
  if (since >= policy.repeatIntervalMs) return { next: { ...s, notifiedAt: now }, event: "reminder", notify: "reminder" };
  return { next: s };
}
