-- user-metrics sink schema, version 4: cost computed from model prices (V3) kept apart from the
-- cost the events provided, and the models no price definition matches.
-- Applied by SchemaMigrator after V3, in one transaction, with search_path set to the schema.
--
-- Per observation the job counts the provided cost (costDetails) when the events carry one, else
-- the cost computed from the matching model price definition, else nothing. So on every row:
--   total_cost            = provided_total_cost + calculated_total_cost
--   calculated_total_cost = the computed part (written by the job)
--   provided_total_cost   = the provided part (derived: total_cost - calculated_total_cost)
-- input_cost, output_cost and cost_details include both parts. Rows written before V4 read 0
-- calculated (the job did not price then).

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['user_metrics', 'user_metrics_env', 'user_metrics_hourly', 'user_metrics_daily',
                             'user_model_metrics_daily'] LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN calculated_total_cost numeric NOT NULL DEFAULT 0', t);
        EXECUTE format('ALTER TABLE %I ADD COLUMN provided_total_cost numeric '
                       'GENERATED ALWAYS AS (total_cost - calculated_total_cost) STORED', t);
    END LOOP;
END
$$;

-- Observations with usage but no provided cost whose model no definition matches (so their cost
-- is 0): per user, environment, day and model, exact like every other column.
ALTER TABLE user_model_metrics_daily ADD COLUMN unpriced_observation_count bigint NOT NULL DEFAULT 0;

-- What to add to the price tables: every model name with unpriced observations, per project.
-- For operators (not granted to metrics_reader; not filtered by app.project_id). Counts cover
-- observations counted for a user (traces without a user are in no table).
CREATE VIEW unmatched_models AS
SELECT project_id, model,
       sum(unpriced_observation_count)::bigint AS unpriced_observations,
       count(DISTINCT user_id)::bigint AS users,
       min(bucket_start) AS first_day,
       max(bucket_start) AS last_day
FROM user_model_metrics_daily
WHERE unpriced_observation_count > 0
GROUP BY project_id, model;

-- The read views gain the two parts (appended: existing columns keep their positions).
CREATE OR REPLACE VIEW user_metrics_by_hour AS
SELECT project_id AS "projectId", user_id AS "userId", environment, bucket_start AS "timeDimension",
       trace_count AS "countTraces", observation_count AS "countObservations", score_count AS "countScores",
       input_tokens AS "inputTokens", output_tokens AS "outputTokens", total_tokens AS "totalTokens",
       total_cost AS "totalCost",
       calculated_total_cost AS "calculatedTotalCost", provided_total_cost AS "providedTotalCost"
FROM user_metrics_hourly
WHERE project_id = current_setting('app.project_id', true);

CREATE OR REPLACE VIEW user_metrics_by_day AS
SELECT project_id AS "projectId", user_id AS "userId", environment, bucket_start AS "timeDimension",
       trace_count AS "countTraces", observation_count AS "countObservations", score_count AS "countScores",
       input_tokens AS "inputTokens", output_tokens AS "outputTokens", total_tokens AS "totalTokens",
       total_cost AS "totalCost",
       calculated_total_cost AS "calculatedTotalCost", provided_total_cost AS "providedTotalCost"
FROM user_metrics_daily
WHERE project_id = current_setting('app.project_id', true);

CREATE OR REPLACE VIEW user_model_usage_daily AS
SELECT project_id AS "projectId", user_id AS "userId", environment, bucket_start AS "date",
       NULLIF(model, '') AS model, observation_count AS "countObservations",
       input_tokens AS "inputUsage", output_tokens AS "outputUsage", total_tokens AS "totalUsage",
       input_cost AS "inputCost", output_cost AS "outputCost", total_cost AS "totalCost",
       calculated_total_cost AS "calculatedTotalCost", provided_total_cost AS "providedTotalCost",
       unpriced_observation_count AS "unpricedObservations"
FROM user_model_metrics_daily
WHERE project_id = current_setting('app.project_id', true);
