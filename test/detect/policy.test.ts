import { describe, expect, it } from "vitest";
import { BUDGET_SHARES, historyNeeded, pagingDesign, resolvePolicy, robustZThreshold, runsPerMonth } from "../../src/detect/policy.ts";
import { arlCusum } from "../../src/stats/control.ts";
import { normalQuantile, tQuantile } from "../../src/stats/distributions.ts";
import { hourlyPolicy } from "./helpers.ts";

const hourlyPolicyJob = {
  schedule: "0 * * * *",
  timezone: "UTC",
  alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48 },
};

describe("detection policy", () => {
  it("gives an hourly job one false alert per 720 runs, split so the shares add up to it", () => {
    const p = hourlyPolicy();
    expect(p.falseAlarmRuns).toBe(720);
    const total = Object.values(p.alpha).reduce((s, a) => s + a, 0);
    expect(total).toBeCloseTo(1 / 720, 12);
    expect(Object.values(BUDGET_SHARES).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(p.alpha.drop).toBeCloseTo(1 / 800, 12);
    // z for a one-sided 1/800: 3.0233 (R: qnorm(1 - 1/800))
    expect(p.dropZ).toBeCloseTo(normalQuantile(1 - 1 / 800), 10);
    expect(p.dropZ).toBeCloseTo(3.0233, 3);
    // An hourly job tests one run at a time: the whole drop share on it.
    expect(p.dropWindows).toEqual([1]);
  });

  it("solves the CUSUM interval so that its in-control ARL is 1/α_drift", () => {
    const p = hourlyPolicy();
    expect(p.cusum.arl0).toBeCloseTo(14400, 6);
    expect(arlCusum(p.cusum.k, p.cusum.h)).toBeCloseTo(14400, 0);
  });

  it("pools the last runs of a frequent job: windows of 1, 2, 4 and 8 runs while they fit in an hour", () => {
    const windows = (schedule: string) => resolvePolicy({ ...hourlyPolicyJob, schedule }).dropWindows;
    expect(windows("* * * * *")).toEqual([1, 2, 4, 8]);
    expect(windows("*/5 * * * *")).toEqual([1, 2, 4, 8]);
    expect(windows("*/15 * * * *")).toEqual([1, 2, 4]);
    expect(windows("*/30 * * * *")).toEqual([1, 2]);
    expect(windows("0 * * * *")).toEqual([1]);
    expect(windows("0 0 * * *")).toEqual([1]);
    // An explicit false-alarm budget does not change what the schedule's rate allows.
    expect(
      resolvePolicy({ ...hourlyPolicyJob, schedule: "* * * * *", alerts: { ...hourlyPolicyJob.alerts, false_alarm_runs: 720 } })
        .dropWindows,
    ).toEqual([1, 2, 4, 8]);
  });

  it("scales the default budget with the schedule: a month of runs, never below 720", () => {
    const from = new Date("2024-05-01T00:00:00Z");
    expect(Math.round(runsPerMonth("*/5 * * * *", "UTC", from))).toBe(8640);
    expect(
      resolvePolicy(
        {
          schedule: "*/5 * * * *",
          timezone: "UTC",
          alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48 },
        },
        from,
      ).falseAlarmRuns,
    ).toBe(8640);
    expect(
      resolvePolicy(
        {
          schedule: "@daily",
          timezone: "UTC",
          alerts: { drift: true, spend_growth: 1.5, latency_growth: 1.5, error_rate_above: 0.2, baseline_runs: 48 },
        },
        from,
      ).falseAlarmRuns,
    ).toBe(720);
  });

  it("passes the job's alert options through, with the fixed windows and a guard of half the baseline", () => {
    const p = resolvePolicy({
      ...hourlyPolicyJob,
      alerts: { drift: false, spend_growth: 2, latency_growth: 3, error_rate_above: 0.1, baseline_runs: 7, accuracy_below: 0.8 },
    });
    expect(p).toMatchObject({
      baselineRuns: 7,
      baselineGuard: 3,
      minBaselineRuns: 6,
      minEmpiricalRuns: 12,
      flakyWindow: 6,
      flakyMinTrials: 20,
      drift: false,
      accuracyBelow: 0.8,
      spendGrowth: 2,
      latencyGrowth: 3,
      errorRateAbove: 0.1,
      dropDelta: 0.1,
      dropTilt: 0.75,
      continueAlpha: 0.05,
    });
    expect(p.cusum.k).toBe(0.5);
    expect(p.alpha.flaky).toBeCloseTo(0.02 / 720, 15);
    expect(p.alpha.runaway).toBeCloseTo(0.0075 / 720, 15);
  });

  it("splits the drop's level evenly over its windows for the power a summary states", () => {
    const frequent = resolvePolicy({ ...hourlyPolicyJob, schedule: "*/5 * * * *" }, new Date("2024-05-01T00:00:00Z"));
    expect(pagingDesign(frequent)).toEqual({ alpha: frequent.alpha.drop / 4, baselineRuns: 48 });
  });

  it("counts no runs for a schedule it cannot read or that has fewer than two runs left", () => {
    const from = new Date("2024-05-01T00:00:00Z");
    expect(runsPerMonth("not a schedule", "UTC", from)).toBe(0);
    expect(runsPerMonth("0 0 10 1 5 * 2024", "UTC", from)).toBe(0);
    expect(runsPerMonth("0 0 0 30 2 *", "UTC", from)).toBe(0);
    expect(runsPerMonth("0 0 * * *", "UTC", from)).toBeCloseTo(30, 10);
    // Remembered per schedule, zone and hour: asking again gives the same, in another zone too.
    expect(runsPerMonth("0 0 * * *", "Europe/Paris", from)).toBeCloseTo(30, 10);
    for (let i = 0; i < 300; i++) runsPerMonth(`${i % 60} * * * *`, "UTC", new Date(from.getTime() + i * 3_600_000));
    expect(runsPerMonth("*/5 * * * *", "UTC", from)).toBeCloseTo(8640, 6);
  });

  it("honours an explicit false_alarm_runs", () => {
    const p = hourlyPolicy({ false_alarm_runs: 100 });
    expect(p.alpha.drop).toBeCloseTo(0.009, 12);
    expect(p.cusum.arl0).toBeCloseTo(2000, 6);
  });

  it("refers modified z-scores to a t with 0.37(n − 1) df: wider than the normal for short baselines", () => {
    const z = normalQuantile(1 - 1e-4);
    expect(robustZThreshold(1e-4, 12)).toBeGreaterThan(z + 1);
    expect(robustZThreshold(1e-4, 10_000)).toBeCloseTo(z, 1);
    expect(robustZThreshold(0.01, 12)).toBeCloseTo(tQuantile(0.99, 0.37 * 11), 12);
    // At least one degree of freedom, however short the baseline.
    expect(robustZThreshold(0.01, 2)).toBeCloseTo(tQuantile(0.99, 1), 12);
  });

  it("loads enough history for the guard, the window and the flaky window", () => {
    const p = hourlyPolicy();
    expect(historyNeeded(p)).toEqual({
      recent: p.baselineGuard + p.baselineRuns + p.flakyWindow + 1,
      clear: p.baselineGuard + p.baselineRuns,
    });
  });
});
