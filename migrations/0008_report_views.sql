-- Report views: "what changed, and since when?" in SQL (documented in docs/queries.md).
-- They read run-level rows (runs carry their aggregates and per-case counts in case_stats), never
-- trials, so they stay fast however many trials there are and outlive trial retention.
-- Every name is unqualified and every body is parsed at creation (views, RETURN and BEGIN ATOMIC
-- functions), so they bind to the schema the migration runs in.
-- Runs that count towards accuracy: completed scheduled or manual runs (gate runs try a candidate
-- agent; aborted, failed and budget-exhausted runs cover only part of the golden set).

-- Reports read a time range of every job's runs; runs_job_started_idx serves one job at a time.
CREATE INDEX "runs_started_at_idx" ON "runs" USING btree ("started_at");
--> statement-breakpoint
-- 97.5% quantile of Student's t (two-sided 95% intervals): exact to 6 places up to 30 degrees of
-- freedom, then the Cornish-Fisher expansion (error below 1e-7).
CREATE FUNCTION t_quantile_975(df bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
  WHEN df IS NULL OR df < 1 THEN NULL
  WHEN df <= 30 THEN ('{12.706205,4.302653,3.182446,2.776445,2.570582,2.446912,2.364624,2.306004,2.262157,2.228139,2.200985,2.178813,2.160369,2.144787,2.131450,2.119905,2.109816,2.100922,2.093024,2.085963,2.079614,2.073873,2.068658,2.063899,2.059539,2.055529,2.051831,2.048407,2.045230,2.042272}'::double precision[])[df]
  ELSE 1.959963984540054 + 2.372271230298562 / df + 2.8224986157396112 / df ^ 2 + 2.555849679507722 / df ^ 3 + 1.5895340533938225 / df ^ 4
END;
--> statement-breakpoint
-- Wilson score interval bounds for `passes` out of `n` at 95% (never the Wald interval).
CREATE FUNCTION wilson_low(passes bigint, n bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN n IS NULL OR n <= 0 THEN NULL ELSE greatest(0, (
  (passes::float8 / n + 3.841458820694124 / (2 * n))
  - 1.959963984540054 * sqrt((passes::float8 / n) * (1 - passes::float8 / n) / n + 3.841458820694124 / (4 * n::float8 * n))
) / (1 + 3.841458820694124 / n)) END;
--> statement-breakpoint
CREATE FUNCTION wilson_high(passes bigint, n bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN n IS NULL OR n <= 0 THEN NULL ELSE least(1, (
  (passes::float8 / n + 3.841458820694124 / (2 * n))
  + 1.959963984540054 * sqrt((passes::float8 / n) * (1 - passes::float8 / n) / n + 3.841458820694124 / (4 * n::float8 * n))
) / (1 + 3.841458820694124 / n)) END;
--> statement-breakpoint
-- Accuracy interval as the engine computes it (src/stats/intervals.ts): the t-interval over case
-- pass rates, clamped to [0, 1]; the Wilson interval on the pooled rate with fewer than two cases
-- or no spread between cases.
CREATE FUNCTION accuracy_ci_low(mean double precision, sd double precision, cases bigint, passes bigint, scored bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN cases >= 2 AND sd > 0 THEN greatest(0, mean - t_quantile_975(cases - 1) * sd / sqrt(cases)) ELSE wilson_low(passes, scored) END;
--> statement-breakpoint
CREATE FUNCTION accuracy_ci_high(mean double precision, sd double precision, cases bigint, passes bigint, scored bigint) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN cases >= 2 AND sd > 0 THEN least(1, mean + t_quantile_975(cases - 1) * sd / sqrt(cases)) ELSE wilson_high(passes, scored) END;
--> statement-breakpoint
-- One row per run, with its aggregates.
CREATE VIEW run_summary AS
SELECT
  id AS run_id, job, agent, trigger, status, started_at, finished_at,
  extract(epoch FROM finished_at - started_at)::double precision AS duration_s,
  golden_name, golden_hash, judge_model, agent_model,
  cases, repeats, trials, scored, passed, errored, budget_exceeded, judge_errors,
  accuracy, ci_low, ci_high, ci_method, error_rate,
  input_tokens, output_tokens, cost_usd, cost_usd / nullif(cases, 0) AS cost_per_case, judge_cost_usd,
  p50_ms, p95_ms, error
FROM runs;
--> statement-breakpoint
-- One row per counted run and case, from the run's case_stats.
CREATE VIEW case_runs AS
SELECT
  r.id AS run_id, r.job, r.agent, r.started_at, r.golden_hash, r.agent_model,
  c.id AS case_id, c.trials, c.scored, c.passes, c.errors,
  CASE WHEN c.scored > 0 THEN c.passes::double precision / c.scored END AS pass_rate
FROM runs r
CROSS JOIN LATERAL jsonb_to_recordset(CASE WHEN jsonb_typeof(r.case_stats) = 'array' THEN r.case_stats ELSE '[]'::jsonb END)
  AS c(id text, trials integer, scored integer, passes integer, errors integer)
WHERE r.status = 'completed' AND r.trigger <> 'gate';
--> statement-breakpoint
-- Every change of agent model, judge model or golden set between consecutive runs of a job.
CREATE VIEW run_changes AS
SELECT job, started_at AS changed_at, run_id, kind, before, after
FROM (
  SELECT
    r.job, r.started_at, r.id AS run_id, k.kind, k.value AS after,
    lag(k.value) OVER (PARTITION BY r.job, k.kind ORDER BY r.started_at, r.id) AS before
  FROM runs r
  CROSS JOIN LATERAL (VALUES ('agent_model', r.agent_model), ('judge_model', r.judge_model), ('golden_set', r.golden_hash)) AS k(kind, value)
  WHERE r.trigger <> 'gate' AND r.status <> 'running' AND k.value IS NOT NULL
) x
WHERE before IS NOT NULL AND before <> after;
--> statement-breakpoint
--> statement-breakpoint
-- Keeps case_daily (src/store/tables/reports.ts) up to date: when a scheduled or manual run
-- completes, its per-case counts are added to that UTC day's row for each case. Never raises on
-- odd case_stats (a run must always be storable): entries without an id are skipped.
-- search_path is pinned to the migrating schema so the trigger writes beside the runs it reads.
CREATE FUNCTION case_daily_add_run() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF NEW.status = 'completed' AND NEW.trigger <> 'gate' AND jsonb_typeof(NEW.case_stats) = 'array'
     AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'completed') THEN
    INSERT INTO case_daily AS d (job, day, case_id, runs, trials, scored, passes, errors, flaky_runs, last_run_at, last_all_pass_at, last_failure_at)
    SELECT NEW.job, (NEW.started_at AT TIME ZONE 'UTC')::date, c.id, 1,
      sum(coalesce(c.trials, 0)), sum(coalesce(c.scored, 0)), sum(coalesce(c.passes, 0)), sum(coalesce(c.errors, 0)),
      CASE WHEN sum(coalesce(c.passes, 0)) > 0 AND sum(coalesce(c.passes, 0)) < sum(coalesce(c.scored, 0)) THEN 1 ELSE 0 END,
      NEW.started_at,
      CASE WHEN sum(coalesce(c.scored, 0)) > 0 AND sum(coalesce(c.passes, 0)) = sum(coalesce(c.scored, 0)) THEN NEW.started_at END,
      CASE WHEN sum(coalesce(c.passes, 0)) < sum(coalesce(c.scored, 0)) THEN NEW.started_at END
    FROM jsonb_to_recordset(NEW.case_stats) AS c(id text, trials bigint, scored bigint, passes bigint, errors bigint)
    WHERE c.id IS NOT NULL
    GROUP BY c.id
    ON CONFLICT (job, day, case_id) DO UPDATE SET
      runs = d.runs + 1,
      trials = d.trials + excluded.trials,
      scored = d.scored + excluded.scored,
      passes = d.passes + excluded.passes,
      errors = d.errors + excluded.errors,
      flaky_runs = d.flaky_runs + excluded.flaky_runs,
      last_run_at = greatest(d.last_run_at, excluded.last_run_at),
      last_all_pass_at = greatest(d.last_all_pass_at, excluded.last_all_pass_at),
      last_failure_at = greatest(d.last_failure_at, excluded.last_failure_at);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER runs_case_daily AFTER INSERT OR UPDATE OF status ON runs
FOR EACH ROW EXECUTE FUNCTION case_daily_add_run();
--> statement-breakpoint
-- Runs stored before this migration.
INSERT INTO case_daily (job, day, case_id, runs, trials, scored, passes, errors, flaky_runs, last_run_at, last_all_pass_at, last_failure_at)
SELECT job, day, case_id, count(*), sum(trials), sum(scored), sum(passes), sum(errors),
  count(*) FILTER (WHERE passes > 0 AND passes < scored),
  max(started_at), max(started_at) FILTER (WHERE scored > 0 AND passes = scored), max(started_at) FILTER (WHERE passes < scored)
FROM (
  SELECT r.job, (r.started_at AT TIME ZONE 'UTC')::date AS day, r.started_at, c.id AS case_id,
    coalesce(c.trials, 0) AS trials, coalesce(c.scored, 0) AS scored, coalesce(c.passes, 0) AS passes, coalesce(c.errors, 0) AS errors
  FROM runs r
  CROSS JOIN LATERAL jsonb_to_recordset(r.case_stats) AS c(id text, trials bigint, scored bigint, passes bigint, errors bigint)
  WHERE r.status = 'completed' AND r.trigger <> 'gate' AND jsonb_typeof(r.case_stats) = 'array' AND c.id IS NOT NULL
) x
GROUP BY job, day, case_id;
--> statement-breakpoint
-- Per job and UTC day: accuracy over the day's pooled case pass rates, with its interval.
CREATE VIEW accuracy_daily AS
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
  d.job, d.day, r.runs, d.cases, d.accuracy,
  accuracy_ci_low(d.accuracy, d.sd, d.cases, d.passes, d.scored) AS ci_low,
  accuracy_ci_high(d.accuracy, d.sd, d.cases, d.passes, d.scored) AS ci_high,
  r.min_run_accuracy, r.max_run_accuracy, d.passes, d.scored, r.error_rate
FROM per_day d
JOIN per_run r ON r.job = d.job AND r.day = d.day;
--> statement-breakpoint
-- Per job and UTC day: what the runs cost (every run, gate runs included: it is the bill).
CREATE VIEW spend_daily AS
SELECT
  job, (started_at AT TIME ZONE 'UTC')::date AS day,
  count(*) AS runs, sum(trials) AS trials,
  sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
  sum(cost_usd) AS cost_usd, sum(judge_cost_usd) AS judge_cost_usd,
  sum(cost_usd) + sum(judge_cost_usd) AS total_usd,
  sum(cost_usd) / nullif(sum(cases), 0) AS cost_per_case,
  sum(cost_usd) / nullif(sum(trials), 0) AS cost_per_trial
FROM runs
WHERE status <> 'running'
GROUP BY 1, 2;
--> statement-breakpoint
-- Per job: the last `current_days` UTC days up to and including `report_day`, against the
-- `baseline_days` days before them. Accuracy change is paired by case (cases seen in both
-- windows): the mean of the per-case pass-rate differences, with a t-interval over cases.
-- `drift_report` is this for today, 7 days against 7.
CREATE FUNCTION drift_report_for(report_day date, current_days integer, baseline_days integer)
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
  ), last_runs AS (
    -- The last run of each window: its models are the window's "now" and "baseline" models.
    SELECT DISTINCT ON (w.job, w.recent) w.job, w.recent, w.agent, w.agent_model, w.judge_model, w.golden_hash
    FROM w ORDER BY w.job, w.recent, w.started_at DESC
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
--> statement-breakpoint
-- The last 7 UTC days (today included) against the 7 days before them.
CREATE VIEW drift_report AS
SELECT * FROM drift_report_for((now() AT TIME ZONE 'UTC')::date, 7, 7);
--> statement-breakpoint
-- Per job and case: pass rate in the current window against the baseline window (same windows as
-- drift_report_for), flakiness (the share of current runs in which the case both passed and
-- failed), and when it last passed every trial and last failed.
CREATE FUNCTION case_health_for(report_day date, current_days integer, baseline_days integer)
RETURNS TABLE (
  job text, case_id text,
  runs_now bigint, pass_rate_now double precision, pass_rate_baseline double precision, change double precision,
  flaky_runs_now bigint, flakiness double precision,
  last_all_pass_at timestamptz, last_failure_at timestamptz,
  status text
)
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH agg AS (
    SELECT cd.job, cd.case_id,
      coalesce(sum(cd.runs) FILTER (WHERE cd.day > report_day - current_days), 0)::bigint AS runs_now,
      sum(cd.passes) FILTER (WHERE cd.day > report_day - current_days)::bigint AS passes_now,
      sum(cd.scored) FILTER (WHERE cd.day > report_day - current_days)::bigint AS scored_now,
      sum(cd.passes) FILTER (WHERE cd.day <= report_day - current_days)::bigint AS passes_base,
      sum(cd.scored) FILTER (WHERE cd.day <= report_day - current_days)::bigint AS scored_base,
      coalesce(sum(cd.flaky_runs) FILTER (WHERE cd.day > report_day - current_days), 0)::bigint AS flaky_runs,
      max(cd.last_all_pass_at) AS last_all_pass_at,
      max(cd.last_failure_at) AS last_failure_at
    FROM case_daily cd
    WHERE cd.day > report_day - current_days - baseline_days AND cd.day <= report_day
    GROUP BY 1, 2
  )
  SELECT a.job, a.case_id, a.runs_now,
    a.passes_now::double precision / nullif(a.scored_now, 0),
    a.passes_base::double precision / nullif(a.scored_base, 0),
    a.passes_now::double precision / nullif(a.scored_now, 0) - a.passes_base::double precision / nullif(a.scored_base, 0),
    a.flaky_runs, a.flaky_runs::double precision / nullif(a.runs_now, 0),
    a.last_all_pass_at, a.last_failure_at,
    CASE
      WHEN a.runs_now = 0 OR coalesce(a.scored_now, 0) = 0 THEN 'no data'
      WHEN a.passes_now = 0 THEN 'failing'
      -- Worse only when the two windows' Wilson intervals do not overlap.
      WHEN wilson_high(a.passes_now, a.scored_now) < wilson_low(a.passes_base, a.scored_base) THEN 'worse'
      WHEN a.flaky_runs::double precision / a.runs_now >= 0.1 THEN 'flaky'
      ELSE 'ok'
    END
  FROM agg a;
END;
--> statement-breakpoint
CREATE VIEW case_health AS
SELECT * FROM case_health_for((now() AT TIME ZONE 'UTC')::date, 7, 7);
--> statement-breakpoint
-- Every state change of every alert, with the alert's current state.
CREATE VIEW alert_history AS
SELECT e.at, e.job, e.agent, e.detector, e.case_id, e.event, e.state, e.severity, e.summary,
  e.run_id, e.silenced_by, e.fingerprint, a.state AS current_state
FROM alert_events e
LEFT JOIN alerts a ON a.fingerprint = e.fingerprint;
