-- user-metrics sink schema, version 12: the number of sessions per user (Users list, user page).
-- Applied by SchemaMigrator after V11, in one transaction, with search_path set to the schema.
--
-- session_count: the distinct sessionIds of the user's traces (over all environments, or in one),
-- exact when a trace changes user or session. A trace's session is its sessionId (trace or
-- observation bodies; OpenTelemetry: session.id), by the user-ID rules: a string of at most 200
-- characters; an unusable one is dropped with a reason (rejected_events action
-- 'session_id_dropped') and the trace counts without a session. Rows written before this version
-- read 0 until the job writes them again: a replay (docs/operations.md, backfill) counts history.
ALTER TABLE user_metrics ADD COLUMN session_count bigint NOT NULL DEFAULT 0;
ALTER TABLE user_metrics_env ADD COLUMN session_count bigint NOT NULL DEFAULT 0;

ALTER TABLE rejected_events
    DROP CONSTRAINT rejected_events_action_check,
    ADD CONSTRAINT rejected_events_action_check
        CHECK (action IN ('rejected', 'user_id_dropped', 'session_id_dropped', 'environment_defaulted', 'model_dropped'));

-- The same views with "sessionCount" appended (a replaced view may only add columns at its end;
-- its grants stay, its options are given again).
CREATE OR REPLACE VIEW users_list WITH (security_invoker = true) AS
SELECT u."projectId", u."userId", u.environment, u."firstTrace", u."lastTrace", u."totalTraces",
       u."totalObservations", u."totalPromptTokens", u."totalCompletionTokens", u."totalTokens",
       u."sumCalculatedTotalCost", u."totalScores",
       (SELECT jsonb_agg(jsonb_build_object(
                   'name', s.name, 'dataType', s.data_type, 'count', s.score_count,
                   'avg', s.value_avg, 'values', s.value_counts)
               ORDER BY s.name, s.data_type)
        FROM user_scores s
        WHERE s.project_id = u."projectId" AND s.user_id = u."userId") AS feedback,
       u."sessionCount"
FROM (
    SELECT m.project_id AS "projectId", m.user_id AS "userId", NULL::text AS environment,
           m.first_seen AS "firstTrace", m.last_seen AS "lastTrace",
           m.trace_count AS "totalTraces", m.observation_count AS "totalObservations",
           m.input_tokens AS "totalPromptTokens", m.output_tokens AS "totalCompletionTokens",
           m.total_tokens AS "totalTokens", m.total_cost AS "sumCalculatedTotalCost",
           m.score_count AS "totalScores", m.session_count AS "sessionCount"
    FROM user_metrics m
    UNION ALL
    SELECT e.project_id, e.user_id, e.environment,
           e.first_seen, e.last_seen, e.trace_count, e.observation_count,
           e.input_tokens, e.output_tokens, e.total_tokens, e.total_cost, e.score_count, e.session_count
    FROM user_metrics_env e
) u
WHERE u."projectId" = current_setting('app.project_id', true);

CREATE OR REPLACE VIEW user_detail WITH (security_invoker = true) AS
SELECT l."projectId", l."userId", l.environment, l."firstTrace", l."lastTrace", l."totalTraces",
       l."totalObservations", l."totalPromptTokens", l."totalCompletionTokens", l."totalTokens",
       l."sumCalculatedTotalCost", l."totalScores", l.feedback,
       (SELECT jsonb_agg(to_jsonb(s) - 'projectId' - 'userId' ORDER BY s.name, s."dataType")
        FROM user_scores_by_name s
        WHERE s."projectId" = l."projectId" AND s."userId" = l."userId") AS scores,
       l."sessionCount"
FROM users_list l;
