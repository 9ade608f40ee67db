import { describe, expect, it } from "vitest";
import { getRun, insertRun, type NewRun } from "../../src/store/runs.ts";
import { reapDeadRuns } from "../../src/store/reaper.ts";
import { claimSlot, listSlots } from "../../src/store/slots.ts";
import { insertTrials } from "../../src/store/trials.ts";
import { testDatabase } from "../helpers/db.ts";

const at = (s: string) => new Date(`2026-05-01T${s}Z`);
const run = (id: string, heartbeat: string, extra: Partial<NewRun> = {}): NewRun => ({
  id,
  job: "j",
  agent: "a",
  trigger: "schedule",
  goldenName: "g",
  goldenHash: "h",
  status: "running",
  replica: "dead:1:abc",
  startedAt: at("10:00:00"),
  heartbeatAt: at(heartbeat),
  cases: 2,
  repeats: 1,
  ...extra,
});
const trial = (runId: string, caseId: string, status: string) => ({
  runId,
  caseId,
  repeat: 0,
  startedAt: at("10:00:01"),
  latencyMs: 10,
  status,
  passed: status === "pass",
  score: status === "pass" ? 1 : 0,
  output: "x",
  inputTokens: 100,
  outputTokens: 50,
  costUsd: 0.25,
});

describe("reaping runs of dead processes", () => {
  it("aborts runs without a heartbeat, keeps their trials and counts, settles their slots, and leaves live runs alone", async () => {
    await using database = await testDatabase();
    const { db } = database;
    await insertRun(db, run("dead", "10:00:30", { slotAt: at("10:00:00") }));
    await insertRun(db, run("alive", "10:04:30"));
    await insertRun(db, run("mine", "10:00:30"));
    await insertTrials(db, [trial("dead", "c1", "pass"), trial("dead", "c2", "error")]);
    await claimSlot(db, { job: "j", slotAt: at("10:00:00"), replica: "dead:1:abc", runId: "dead", at: at("10:00:00") });
    // A claim whose replica died before it wrote the run row, and one whose run finished but whose settle was lost.
    await claimSlot(db, { job: "j", slotAt: at("10:01:00"), replica: "dead:1:abc", runId: "never-started", at: at("10:01:00") });
    await insertRun(db, run("finished", "10:02:10", { status: "completed", slotAt: at("10:02:00") }));
    await claimSlot(db, { job: "j", slotAt: at("10:02:00"), replica: "dead:1:abc", runId: "finished", at: at("10:02:00") });
    // A fresh claim (its run row is about to be written) is not touched.
    await claimSlot(db, { job: "j", slotAt: at("10:04:00"), replica: "live", runId: "starting", at: at("10:04:50") });

    const reaped = await reapDeadRuns(db, { now: at("10:05:00"), staleBefore: at("10:03:00"), keep: ["mine"] });
    expect(reaped.runs.map((r) => r.id)).toEqual(["dead"]);
    expect(reaped.slots).toBe(3);

    const dead = await getRun(db, "dead");
    expect(dead).toMatchObject({
      status: "aborted",
      trials: 2,
      passed: 1,
      errored: 1,
      scored: 1,
      costUsd: 0.5,
      inputTokens: 200,
      finishedAt: at("10:05:00"),
    });
    expect(dead?.error).toContain("no heartbeat since 2026-05-01T10:00:30Z");
    expect((await getRun(db, "alive"))?.status).toBe("running");
    expect((await getRun(db, "mine"))?.status).toBe("running");

    const slots = await listSlots(db, "j");
    expect(slots.map((s) => [s.slotAt.toISOString().slice(11, 16), s.status])).toEqual([
      ["10:00", "aborted"],
      ["10:01", "aborted"],
      ["10:02", "done"],
      ["10:04", "claimed"],
    ]);
    expect(slots[1]!.reason).toContain("its run never began");

    // A second pass finds nothing more.
    expect(await reapDeadRuns(db, { now: at("10:05:10"), staleBefore: at("10:03:00"), keep: ["mine"] })).toEqual({ runs: [], slots: 0 });
  });
});
