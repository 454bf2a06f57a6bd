-- user-metrics sink schema, version 7: the Users list reads through its indexes again.
-- Applied by SchemaMigrator after V6, in one transaction, with search_path set to the schema.
--
-- V2 filtered each branch of users_list's UNION ALL by current_setting('app.project_id'). A
-- branch with such a filter is not pulled up into the append (it stays a subquery with a one-time
-- filter), so ORDER BY ... LIMIT could not use user_metrics_by_cost_idx: a page of a million users
-- became a parallel sequential scan and a sort (244 ms instead of under 1 ms). The same filter on
-- the union as a whole is pushed into both branches as an index condition. Same columns, same
-- rows; QueriesIT asserts every page query's plan reads through its index.
CREATE OR REPLACE VIEW users_list AS
SELECT u.*,
       (SELECT jsonb_agg(jsonb_build_object(
                   'name', s.name, 'dataType', s.data_type, 'count', s.score_count,
                   'avg', s.value_avg, 'values', s.value_counts)
               ORDER BY s.name, s.data_type)
        FROM user_scores s
        WHERE s.project_id = u."projectId" AND s.user_id = u."userId") AS feedback
FROM (
    SELECT m.project_id AS "projectId", m.user_id AS "userId", NULL::text AS environment,
           m.first_seen AS "firstTrace", m.last_seen AS "lastTrace",
           m.trace_count AS "totalTraces", m.observation_count AS "totalObservations",
           m.input_tokens AS "totalPromptTokens", m.output_tokens AS "totalCompletionTokens",
           m.total_tokens AS "totalTokens", m.total_cost AS "sumCalculatedTotalCost",
           m.score_count AS "totalScores"
    FROM user_metrics m
    UNION ALL
    SELECT e.project_id, e.user_id, e.environment,
           e.first_seen, e.last_seen, e.trace_count, e.observation_count,
           e.input_tokens, e.output_tokens, e.total_tokens, e.total_cost, e.score_count
    FROM user_metrics_env e
) u
WHERE u."projectId" = current_setting('app.project_id', true);
