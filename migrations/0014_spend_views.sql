-- Production spend views over spend_minutes (issue 15). Dollars rounded to 8 decimals like the
-- other report views; sum the table itself for full precision.
CREATE VIEW spend_minutely AS
SELECT
  minute, agent,
  sum(calls)::bigint AS calls,
  sum(input_tokens)::bigint AS input_tokens,
  sum(output_tokens)::bigint AS output_tokens,
  sum(cache_read_tokens)::bigint AS cache_read_tokens,
  sum(cache_creation_tokens)::bigint AS cache_creation_tokens,
  gw_round(sum(cost_usd), 8) AS cost_usd,
  sum(unpriced_calls)::bigint AS unpriced_calls
FROM spend_minutes
GROUP BY minute, agent;
--> statement-breakpoint
CREATE VIEW spend_by_agent_daily AS
SELECT
  (minute AT TIME ZONE 'UTC')::date AS day, agent, model,
  sum(calls)::bigint AS calls,
  sum(input_tokens)::bigint AS input_tokens,
  sum(output_tokens)::bigint AS output_tokens,
  sum(cache_read_tokens)::bigint AS cache_read_tokens,
  sum(cache_creation_tokens)::bigint AS cache_creation_tokens,
  gw_round(sum(cost_usd), 8) AS cost_usd,
  sum(unpriced_calls)::bigint AS unpriced_calls
FROM spend_minutes
GROUP BY 1, agent, model;
