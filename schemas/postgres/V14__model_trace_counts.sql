-- user-metrics sink schema, version 14: traces per user, day and model (Langfuse's daily usage[].countTraces).
-- Applied by SchemaMigrator after V13, in one transaction, with search_path set to the schema.
--
-- trace_count: the traces with at least one observation of the row's model that day (UTC, the
-- observation's start time, as the row's other columns), exact when a trace changes user,
-- environment or an observation its model or start time: the trace stage keeps each trace's
-- observations per (day, model) and moves the trace in or out of a row when that set changes.
-- Rows written before this version read 0 until the job writes them again: a replay
-- (docs/operations.md, backfill) counts history.
ALTER TABLE user_model_metrics_daily ADD COLUMN trace_count bigint NOT NULL DEFAULT 0;

-- The same view with "countTraces" appended (a replaced view may only add columns at its end; its
-- grants stay, its options are given again).
CREATE OR REPLACE VIEW user_model_usage_daily WITH (security_invoker = true) AS
SELECT project_id AS "projectId", user_id AS "userId", environment, bucket_start AS "date",
       NULLIF(model, '') AS model, observation_count AS "countObservations",
       input_tokens AS "inputUsage", output_tokens AS "outputUsage", total_tokens AS "totalUsage",
       input_cost AS "inputCost", output_cost AS "outputCost", total_cost AS "totalCost",
       calculated_total_cost AS "calculatedTotalCost", provided_total_cost AS "providedTotalCost",
       unpriced_observation_count AS "unpricedObservations", trace_count AS "countTraces"
FROM user_model_metrics_daily
WHERE project_id = current_setting('app.project_id', true);
