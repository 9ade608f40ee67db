/** Which due slots run and which are recorded as missed. */
export interface SlotPlan {
  /** Oldest first: catch-up slots, then the newest slot when it is still within the grace window. */
  run: number[];
  missed: number[];
}

/**
 * Decides what to do with slots that came due while nobody ran them (downtime, a database
 * outage, a slow start). Only the newest slot may still run, and only within the grace window:
 * a newer slot supersedes an older one. Of the others, the newest `catchUp` run (oldest first);
 * the rest are missed. Pure: `due` is oldest first, every slot at or before `now`.
 */
export function planDueSlots(due: readonly number[], now: number, graceMs: number, catchUp: number): SlotPlan {
  if (due.length === 0) return { run: [], missed: [] };
  const newest = due[due.length - 1]!;
  const newestRuns = now - newest <= graceMs;
  const older = newestRuns ? due.slice(0, -1) : [...due];
  const caught = catchUp > 0 ? older.slice(-catchUp) : [];
  return {
    run: newestRuns ? [...caught, newest] : caught,
    missed: older.slice(0, older.length - caught.length),
  };
}
