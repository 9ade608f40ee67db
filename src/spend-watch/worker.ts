import { handleCheckFindings, type AlertDeps } from "../alerts/index.ts";
import type { ProductionSpendConfig } from "../config/production-spend.ts";
import {
  assessSpend,
  DEFAULT_WINDOWS,
  LOCAL_WINDOWS,
  pageThreshold,
  PRODUCTION_SPEND,
  SPEND_CAP,
  spendJob,
  type SpendPolicy,
} from "../detect/production-spend.ts";
import { MINUTE_MS } from "../detect/spend-baseline.ts";
import { startPeriodic, type PeriodicWorker } from "../periodic.ts";
import { loadActiveSpend, type AgentMinutes } from "./store.ts";

/** The detector's policy for one agent from `production_spend`. */
export function spendPolicy(cfg: ProductionSpendConfig, agent: string): SpendPolicy {
  const cap = cfg.caps[agent] ?? cfg.default_cap;
  return {
    windows: DEFAULT_WINDOWS,
    localWindows: LOCAL_WINDOWS,
    threshold: pageThreshold(cfg.false_alarms_per_30_days, cfg.check_interval, DEFAULT_WINDOWS.length + LOCAL_WINDOWS.length),
    minRatio: cfg.min_ratio,
    capUsdPerHour: cap?.usd_per_hour,
    capUsdPerMinute: cap?.usd_per_minute,
    severity: cfg.severity,
  };
}

/**
 * Production spend watch: every `check_interval` (30 s), reads every recently active agent's spend
 * in one query, checks each against its seasonal baseline and cap (src/detect/production-spend.ts)
 * and steps only its production-spend alerts (a finding fires one, its absence resolves it). The
 * check id is the agent and the minute, so a retried or second pass within a minute steps an alert
 * at most once. A failing pass (database down) is logged and tried again at the next interval.
 */
export function startSpendWatch(deps: { alerts: AlertDeps; config: () => ProductionSpendConfig }): PeriodicWorker {
  const { alerts } = deps;
  const runaway = new Set<string>();
  const checkAgent = async (cfg: ProductionSpendConfig, a: AgentMinutes, nowMs: number) => {
    const job = spendJob(a.agent);
    const out = assessSpend({
      job,
      agent: a.agent,
      nowMs,
      series: (m) => a.minutes.get(m),
      firstSeenMs: a.firstSeenMs,
      policy: spendPolicy(cfg, a.agent),
    });
    if (out.status === "runaway") runaway.add(a.agent);
    else if (runaway.delete(a.agent)) alerts.log.info({ agent: a.agent, measure: out.measure }, "production spend back to normal");
    const minute = new Date(Math.floor(nowMs / MINUTE_MS) * MINUTE_MS).toISOString();
    await handleCheckFindings(alerts, {
      jobName: job,
      agent: a.agent,
      checkId: `spend-check:${a.agent}:${minute}`,
      detectors: [PRODUCTION_SPEND, SPEND_CAP],
      findings: out.findings,
    });
  };
  const pass = async () => {
    const cfg = deps.config();
    if (!cfg.enabled) return;
    const nowMs = alerts.clock.now().getTime();
    let agents: AgentMinutes[];
    try {
      agents = await loadActiveSpend(alerts.db, nowMs);
    } catch (e) {
      alerts.log.warn({ err: alerts.secrets.redact((e as Error).message) }, "reading production spend failed; will retry");
      return;
    }
    for (const a of agents) {
      // One agent's failure does not keep the others from being checked.
      await checkAgent(cfg, a, nowMs).catch((e: Error) =>
        alerts.log.warn({ agent: a.agent, err: alerts.secrets.redact(e.message) }, "checking production spend failed; will retry"),
      );
    }
  };
  return startPeriodic("spend-watch", alerts.clock, deps.config().check_interval, pass);
}
