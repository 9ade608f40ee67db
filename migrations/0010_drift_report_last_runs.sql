-- drift_report_for: the last run of each window is found by its start time instead of by sorting
-- every run of both windows (about a quarter of a 30-day vs 30-day report went to that sort).
-- Same signature and results; the drift_report view keeps using it.
CREATE OR REPLACE FUNCTION drift_report_for(report_day date, current_days integer, baseline_days integer)
RETURNS TABLE (
  job text, agent text,
  window_start timestamptz, window_end timestamptz, baseline_start timestamptz,
  runs_now bigint, runs_baseline bigint,
  accuracy_now double precision, accuracy_baseline double precision,
  accuracy_change double precision, change_low double precision, change_high double precision, cases_compared bigint,
  verdict text,
  cost_per_case_now double precision, cost_per_case_baseline double precision, cost_ratio double precision,
  p95_ms_now double precision, p95_ms_baseline double precision, p95_change_ms double precision,
  error_rate_now double precision, error_rate_baseline double precision,
  agent_model_now text, agent_model_baseline text, model_changed_at timestamptz,
  judge_model_now text, judge_model_baseline text, judge_changed_at timestamptz,
  golden_hash_now text, golden_changed_at timestamptz,
  open_alerts bigint, open_alert_summaries text[]
)
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH w AS (
    -- The bounds are written out (not joined from a CTE) so the planner can use runs_started_at_idx.
    SELECT r.id, r.job, r.agent, r.started_at, r.cost_usd, r.cases, r.p95_ms, r.error_rate,
      r.agent_model, r.judge_model, r.golden_hash,
      r.started_at >= (report_day - current_days + 1)::timestamp AT TIME ZONE 'UTC' AS recent
    FROM runs r
    WHERE r.trigger <> 'gate' AND r.status <> 'running'
      AND r.started_at >= (report_day - current_days - baseline_days + 1)::timestamp AT TIME ZONE 'UTC'
      AND r.started_at < (report_day + 1)::timestamp AT TIME ZONE 'UTC'
  ), sides AS (
    SELECT w.job, w.recent, count(*) AS runs,
      sum(w.cost_usd) / nullif(sum(w.cases), 0) AS cost_per_case,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY w.p95_ms) AS p95_ms,
      avg(w.error_rate) AS error_rate
    FROM w GROUP BY w.job, w.recent
  ), case_rates AS (
    SELECT cd.job, cd.day > report_day - current_days AS recent, cd.case_id,
      sum(cd.passes)::double precision / nullif(sum(cd.scored), 0) AS rate
    FROM case_daily cd
    WHERE cd.day > report_day - current_days - baseline_days AND cd.day <= report_day
    GROUP BY 1, 2, 3
  ), acc AS (
    SELECT cr.job, cr.recent, avg(cr.rate) AS accuracy FROM case_rates cr GROUP BY 1, 2
  ), paired AS (
    SELECT n.job, count(*) AS cases, avg(n.rate - b.rate) AS change, stddev_samp(n.rate - b.rate) AS sd
    FROM case_rates n
    JOIN case_rates b ON b.job = n.job AND b.case_id = n.case_id AND NOT b.recent
    WHERE n.recent AND n.rate IS NOT NULL AND b.rate IS NOT NULL
    GROUP BY n.job
  ), last_at AS (
    SELECT w.job, w.recent, max(w.started_at) AS at FROM w GROUP BY 1, 2
  ), last_runs AS (
    -- The last run of each window: its models are the window's "now" and "baseline" models.
    -- Found by its time, not by sorting the whole window (the sort was half the report's time);
    -- DISTINCT ON only breaks ties between runs that started at the same instant.
    SELECT DISTINCT ON (w.job, w.recent) w.job, w.recent, w.agent, w.agent_model, w.judge_model, w.golden_hash
    FROM w JOIN last_at la ON la.job = w.job AND la.recent = w.recent AND la.at = w.started_at
    ORDER BY w.job, w.recent, w.id
  ), latest AS (
    SELECT DISTINCT ON (lr.job) lr.* FROM last_runs lr ORDER BY lr.job, lr.recent DESC
  ), last_other AS (
    -- The last run whose model (judge, golden set) differs from the latest run's.
    SELECT w.job,
      max(w.started_at) FILTER (WHERE w.agent_model IS DISTINCT FROM l.agent_model AND w.agent_model IS NOT NULL) AS model_at,
      max(w.started_at) FILTER (WHERE w.judge_model IS DISTINCT FROM l.judge_model AND w.judge_model IS NOT NULL) AS judge_at,
      max(w.started_at) FILTER (WHERE w.golden_hash IS DISTINCT FROM l.golden_hash) AS golden_at
    FROM w JOIN latest l ON l.job = w.job
    GROUP BY w.job
  ), changes AS (
    -- A change happened at the first run after that one: the start of the latest model's streak.
    SELECT w.job,
      min(w.started_at) FILTER (WHERE w.started_at > lo.model_at) AS model_changed_at,
      min(w.started_at) FILTER (WHERE w.started_at > lo.judge_at) AS judge_changed_at,
      min(w.started_at) FILTER (WHERE w.started_at > lo.golden_at) AS golden_changed_at
    FROM w JOIN last_other lo ON lo.job = w.job
    GROUP BY w.job
  ), open_alerts AS (
    SELECT a.job, count(*) AS n, array_agg(a.summary ORDER BY a.severity, a.fired_at) AS summaries
    FROM alerts a WHERE a.state = 'firing' GROUP BY a.job
  ), report AS (
    SELECT l.job, l.agent,
      coalesce(n.runs, 0) AS runs_now, coalesce(b.runs, 0) AS runs_baseline,
      an.accuracy AS accuracy_now, ab.accuracy AS accuracy_baseline,
      p.change, p.cases,
      p.change - t_quantile_975(p.cases - 1) * p.sd / sqrt(p.cases) AS low,
      p.change + t_quantile_975(p.cases - 1) * p.sd / sqrt(p.cases) AS high,
      n.cost_per_case AS cost_now, b.cost_per_case AS cost_base,
      n.p95_ms AS p95_now, b.p95_ms AS p95_base,
      n.error_rate AS err_now, b.error_rate AS err_base,
      l.agent_model, lb.agent_model AS agent_model_base, ch.model_changed_at,
      l.judge_model, lb.judge_model AS judge_model_base, ch.judge_changed_at,
      l.golden_hash, ch.golden_changed_at,
      coalesce(o.n, 0) AS open_alerts, coalesce(o.summaries, '{}') AS open_alert_summaries
    FROM latest l
    LEFT JOIN sides n ON n.job = l.job AND n.recent
    LEFT JOIN sides b ON b.job = l.job AND NOT b.recent
    LEFT JOIN last_runs lb ON lb.job = l.job AND NOT lb.recent
    LEFT JOIN acc an ON an.job = l.job AND an.recent
    LEFT JOIN acc ab ON ab.job = l.job AND NOT ab.recent
    LEFT JOIN paired p ON p.job = l.job
    LEFT JOIN changes ch ON ch.job = l.job
    LEFT JOIN open_alerts o ON o.job = l.job
  )
  SELECT rp.job, rp.agent,
    (report_day - current_days + 1)::timestamp AT TIME ZONE 'UTC',
    (report_day + 1)::timestamp AT TIME ZONE 'UTC',
    (report_day - current_days - baseline_days + 1)::timestamp AT TIME ZONE 'UTC',
    rp.runs_now, rp.runs_baseline,
    rp.accuracy_now, rp.accuracy_baseline,
    rp.change, rp.low, rp.high, coalesce(rp.cases, 0),
    CASE
      WHEN rp.runs_now = 0 OR rp.accuracy_now IS NULL THEN 'no data'
      WHEN rp.runs_baseline = 0 OR rp.cases IS NULL THEN 'no baseline'
      WHEN rp.high < 0 THEN 'worse'
      WHEN rp.low > 0 THEN 'better'
      ELSE 'steady'
    END,
    rp.cost_now, rp.cost_base, rp.cost_now / nullif(rp.cost_base, 0),
    rp.p95_now, rp.p95_base, rp.p95_now - rp.p95_base,
    rp.err_now, rp.err_base,
    rp.agent_model, rp.agent_model_base, rp.model_changed_at,
    rp.judge_model, rp.judge_model_base, rp.judge_changed_at,
    rp.golden_hash, rp.golden_changed_at,
    rp.open_alerts, rp.open_alert_summaries
  FROM report rp;
END;
