-- The report views show numbers as a person reads them: rates to 6 decimals, dollars to 8,
-- milliseconds to 2. Float sums and means otherwise print as 0.9250000000000002. The *_for
-- functions keep full precision for scripts that compute further; the views round.
CREATE FUNCTION gw_round(x double precision, digits integer) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN x IS NULL OR x = 'NaN'::double precision OR x IN ('Infinity', '-Infinity') THEN x ELSE round(x::numeric, digits)::double precision END;
--> statement-breakpoint
CREATE OR REPLACE VIEW run_summary AS
SELECT
  id AS run_id, job, agent, trigger, status, started_at, finished_at,
  extract(epoch FROM finished_at - started_at)::double precision AS duration_s,
  golden_name, golden_hash, judge_model, agent_model,
  cases, repeats, trials, scored, passed, errored, budget_exceeded, judge_errors,
  gw_round(accuracy, 6) AS accuracy, gw_round(ci_low, 6) AS ci_low, gw_round(ci_high, 6) AS ci_high, ci_method,
  gw_round(error_rate, 6) AS error_rate,
  input_tokens, output_tokens, gw_round(cost_usd, 8) AS cost_usd, gw_round(cost_usd / nullif(cases, 0), 8) AS cost_per_case,
  gw_round(judge_cost_usd, 8) AS judge_cost_usd,
  gw_round(p50_ms, 2) AS p50_ms, gw_round(p95_ms, 2) AS p95_ms, error
FROM runs;
--> statement-breakpoint
CREATE OR REPLACE VIEW case_runs AS
SELECT
  r.id AS run_id, r.job, r.agent, r.started_at, r.golden_hash, r.agent_model,
  c.id AS case_id, c.trials, c.scored, c.passes, c.errors,
  gw_round(CASE WHEN c.scored > 0 THEN c.passes::double precision / c.scored END, 6) AS pass_rate
FROM runs r
CROSS JOIN LATERAL jsonb_to_recordset(CASE WHEN jsonb_typeof(r.case_stats) = 'array' THEN r.case_stats ELSE '[]'::jsonb END)
  AS c(id text, trials integer, scored integer, passes integer, errors integer)
WHERE r.status = 'completed' AND r.trigger <> 'gate';
--> statement-breakpoint
CREATE OR REPLACE VIEW accuracy_daily AS
WITH per_day AS (
  SELECT job, day, count(*) FILTER (WHERE scored > 0) AS cases,
    avg(passes::double precision / nullif(scored, 0)) AS accuracy,
    stddev_samp(passes::double precision / nullif(scored, 0)) AS sd,
    sum(passes)::bigint AS passes, sum(scored)::bigint AS scored
  FROM case_daily
  GROUP BY job, day
), per_run AS (
  SELECT job, (started_at AT TIME ZONE 'UTC')::date AS day, count(*) AS runs,
    min(accuracy) AS min_run_accuracy, max(accuracy) AS max_run_accuracy, avg(error_rate) AS error_rate
  FROM runs
  WHERE status = 'completed' AND trigger <> 'gate'
  GROUP BY 1, 2
)
SELECT
  d.job, d.day, r.runs, d.cases, gw_round(d.accuracy, 6) AS accuracy,
  gw_round(accuracy_ci_low(d.accuracy, d.sd, d.cases, d.passes, d.scored), 6) AS ci_low,
  gw_round(accuracy_ci_high(d.accuracy, d.sd, d.cases, d.passes, d.scored), 6) AS ci_high,
  gw_round(r.min_run_accuracy, 6) AS min_run_accuracy, gw_round(r.max_run_accuracy, 6) AS max_run_accuracy,
  d.passes, d.scored, gw_round(r.error_rate, 6) AS error_rate
FROM per_day d
JOIN per_run r ON r.job = d.job AND r.day = d.day;
--> statement-breakpoint
CREATE OR REPLACE VIEW spend_daily AS
SELECT
  job, (started_at AT TIME ZONE 'UTC')::date AS day,
  count(*) AS runs, sum(trials) AS trials,
  sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
  gw_round(sum(cost_usd), 8) AS cost_usd, gw_round(sum(judge_cost_usd), 8) AS judge_cost_usd,
  gw_round(sum(cost_usd) + sum(judge_cost_usd), 8) AS total_usd,
  gw_round(sum(cost_usd) / nullif(sum(cases), 0), 8) AS cost_per_case,
  gw_round(sum(cost_usd) / nullif(sum(trials), 0), 8) AS cost_per_trial
FROM runs
WHERE status <> 'running'
GROUP BY 1, 2;
--> statement-breakpoint
CREATE OR REPLACE VIEW drift_report AS
SELECT job, agent, window_start, window_end, baseline_start, runs_now, runs_baseline,
  gw_round(accuracy_now, 6) AS accuracy_now, gw_round(accuracy_baseline, 6) AS accuracy_baseline,
  gw_round(accuracy_change, 6) AS accuracy_change, gw_round(change_low, 6) AS change_low, gw_round(change_high, 6) AS change_high,
  cases_compared, verdict,
  gw_round(cost_per_case_now, 8) AS cost_per_case_now, gw_round(cost_per_case_baseline, 8) AS cost_per_case_baseline,
  gw_round(cost_ratio, 6) AS cost_ratio,
  gw_round(p95_ms_now, 2) AS p95_ms_now, gw_round(p95_ms_baseline, 2) AS p95_ms_baseline, gw_round(p95_change_ms, 2) AS p95_change_ms,
  gw_round(error_rate_now, 6) AS error_rate_now, gw_round(error_rate_baseline, 6) AS error_rate_baseline,
  agent_model_now, agent_model_baseline, model_changed_at,
  judge_model_now, judge_model_baseline, judge_changed_at,
  golden_hash_now, golden_changed_at,
  open_alerts, open_alert_summaries
FROM drift_report_for((now() AT TIME ZONE 'UTC')::date, 7, 7);
--> statement-breakpoint
CREATE OR REPLACE VIEW case_health AS
SELECT job, case_id, runs_now,
  gw_round(pass_rate_now, 6) AS pass_rate_now, gw_round(pass_rate_baseline, 6) AS pass_rate_baseline, gw_round(change, 6) AS change,
  flaky_runs_now, gw_round(flakiness, 6) AS flakiness,
  last_all_pass_at, last_failure_at, status
FROM case_health_for((now() AT TIME ZONE 'UTC')::date, 7, 7);
