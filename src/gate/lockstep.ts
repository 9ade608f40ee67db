/**
 * Waits for a trial's turn: resolves when the other side's matching trial has arrived too. The
 * engine awaits it before the trial starts (RunRequest.beforeTrial), so the wait never counts
 * against the trial's budget (ttl) or its recorded start.
 */
export type Turn = (caseId: string, signal: AbortSignal) => Promise<void>;

/** Two sides whose trials go out in pairs, and the switch that lets stragglers through. */
export interface Lockstep {
  first: Turn;
  second: Turn;
  /** Stops pairing: every waiting and later trial goes straight through (call when either run ends). */
  release(): void;
}

interface Meeting {
  arrived: number;
  open: () => void;
  opened: Promise<void>;
}

/**
 * Interleaves two runs trial by trial: the k-th trial of either side for a case waits until the
 * other side's k-th trial for the same case arrives, then both go out together. Both runs see the
 * same moment of every shared dependency (a search index, a provider's load, the time of day),
 * so the paired comparison is not confounded by running one agent an hour after the other.
 * Both engines walk the same cases in the same order with the same concurrency, so the k-th
 * calls always arrive; `release()` (and an aborted trial) unblocks a pair whose partner never
 * comes, e.g. after the other run failed.
 */
export function lockstep(): Lockstep {
  const meetings = new Map<string, Meeting>();
  const counts = [new Map<string, number>(), new Map<string, number>()];
  let released = false;

  const meet = (side: 0 | 1, caseId: string, signal: AbortSignal): Promise<void> => {
    if (released) return Promise.resolve();
    const k = (counts[side]!.get(caseId) ?? 0) + 1;
    counts[side]!.set(caseId, k);
    const key = `${caseId}\u0000${k}`;
    let m = meetings.get(key);
    if (!m) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      m = { arrived: 0, open, opened };
      meetings.set(key, m);
    }
    m.arrived++;
    if (m.arrived === 2) {
      meetings.delete(key);
      m.open();
      return m.opened;
    }
    const meeting = m;
    if (signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const onAbort = () => resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      void meeting.opened.then(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  };

  return {
    first: (caseId, signal) => meet(0, caseId, signal),
    second: (caseId, signal) => meet(1, caseId, signal),
    release() {
      released = true;
      for (const m of meetings.values()) m.open();
      meetings.clear();
    },
  };
}
