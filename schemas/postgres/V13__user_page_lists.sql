-- user-metrics sink schema, version 13: the user page's lists — the user's traces, sessions and scores.
-- Applied by SchemaMigrator after V12, in one transaction, with search_path set to the schema.
--
-- Until now only aggregates were stored, so the user page's tabs had no data. The trace stage now
-- writes one row per trace that counts for a user and one per score of such a trace, keyed by the
-- trace (and score), not by the user: when a late event changes the trace's user (or
-- environment), its rows move with one upsert each, in the same checkpoint as the aggregates.
-- A trace that stops counting for any user loses its rows. Sessions are a view over the traces.
--
-- Trace and score ids may be 1,000 characters (3,000 bytes), more than a B-tree index row holds
-- (2,704; V6): the unique keys hold their md5, the columns the ids themselves. The list indexes
-- hold (project, user, time) only; ties on the time are ordered by id after the index scan.
--
-- These tables grow with the traffic (about 190 and 170 bytes a row, 240 more in the indexes; docs/tables.md).
-- --lists.retention (default: keep) deletes rows whose trace (score) time is older.
CREATE TABLE user_traces (
    project_id            text        NOT NULL,
    trace_id              text        NOT NULL,
    user_id               text        NOT NULL,
    name                  text,
    trace_time            timestamptz NOT NULL,
    environment           text        NOT NULL,
    session_id            text,
    observation_count     bigint      NOT NULL,
    score_count           bigint      NOT NULL,
    input_tokens          bigint      NOT NULL,
    output_tokens         bigint      NOT NULL,
    total_tokens          bigint      NOT NULL,
    input_cost            numeric     NOT NULL,
    output_cost           numeric     NOT NULL,
    total_cost            numeric     NOT NULL,
    calculated_total_cost numeric     NOT NULL,
    updated_at            timestamptz NOT NULL
);
CREATE UNIQUE INDEX user_traces_key_idx ON user_traces (project_id, (md5(trace_id)));
CREATE INDEX user_traces_by_user_idx ON user_traces (project_id, user_id, trace_time DESC);
CREATE INDEX user_traces_by_session_idx ON user_traces (project_id, user_id, session_id, trace_time) WHERE session_id IS NOT NULL;
CREATE INDEX user_traces_by_time_idx ON user_traces (trace_time);

CREATE TABLE user_trace_scores (
    project_id   text        NOT NULL,
    trace_id     text        NOT NULL,
    score_id     text        NOT NULL,
    user_id      text        NOT NULL,
    name         text        NOT NULL,
    data_type    text        NOT NULL CHECK (data_type IN ('NUMERIC', 'BOOLEAN', 'CATEGORICAL')),
    value        numeric,
    string_value text,
    score_time   timestamptz NOT NULL,
    environment  text        NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX user_trace_scores_key_idx ON user_trace_scores (project_id, (md5(trace_id)), (md5(score_id)));
CREATE INDEX user_trace_scores_by_user_idx ON user_trace_scores (project_id, user_id, score_time DESC);
CREATE INDEX user_trace_scores_by_time_idx ON user_trace_scores (score_time);

-- The tenant rule of every table (V9): the connection's project, granted to the reader's role.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['user_traces', 'user_trace_scores'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I FOR SELECT USING ('
                       'project_id = current_setting(''app.project_id'', true) AND EXISTS ('
                       'SELECT 1 FROM reader_projects g WHERE g.project_id = current_setting(''app.project_id'', true)))', t);
    END LOOP;
END
$$;

ALTER TABLE rejected_events
    DROP CONSTRAINT rejected_events_action_check,
    ADD CONSTRAINT rejected_events_action_check
        CHECK (action IN ('rejected', 'user_id_dropped', 'session_id_dropped', 'environment_defaulted', 'model_dropped',
                          'trace_name_dropped'));

-- Langfuse's field names (its traces table and public API: id, name, timestamp, userId,
-- sessionId, environment; usage and cost as in users_list).
CREATE VIEW user_traces_list WITH (security_invoker = true) AS
SELECT project_id AS "projectId", trace_id AS id, name, trace_time AS "timestamp", user_id AS "userId",
       session_id AS "sessionId", environment, observation_count AS "observationCount", score_count AS "scoreCount",
       input_tokens AS "promptTokens", output_tokens AS "completionTokens", total_tokens AS "totalTokens",
       input_cost AS "inputCost", output_cost AS "outputCost", total_cost AS "totalCost",
       calculated_total_cost AS "calculatedTotalCost"
FROM user_traces
WHERE project_id = current_setting('app.project_id', true);

-- Per user and session: its traces, first and last trace time, tokens and cost (summed from the
-- user's traces in the session, through user_traces_by_session_idx).
CREATE VIEW user_sessions_list WITH (security_invoker = true) AS
SELECT project_id AS "projectId", user_id AS "userId", session_id AS id,
       count(*) AS "countTraces", min(trace_time) AS "firstTrace", max(trace_time) AS "lastTrace",
       sum(input_tokens) AS "promptTokens", sum(output_tokens) AS "completionTokens", sum(total_tokens) AS "totalTokens",
       sum(total_cost) AS "totalCost", array_agg(DISTINCT environment ORDER BY environment) AS environments
FROM user_traces
WHERE session_id IS NOT NULL AND project_id = current_setting('app.project_id', true)
GROUP BY project_id, user_id, session_id;

-- Langfuse's score fields (public API: id, traceId, name, dataType, value, stringValue, timestamp, environment).
CREATE VIEW user_scores_list WITH (security_invoker = true) AS
SELECT project_id AS "projectId", score_id AS id, trace_id AS "traceId", user_id AS "userId", name,
       data_type AS "dataType", value, string_value AS "stringValue", score_time AS "timestamp", environment
FROM user_trace_scores
WHERE project_id = current_setting('app.project_id', true);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader') THEN
        RAISE NOTICE 'role metrics_reader does not exist; an administrator grants it (docs/queries.md)';
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT ON %I.user_traces, %I.user_trace_scores, %I.user_traces_list, %I.user_sessions_list, '
                   '%I.user_scores_list TO metrics_reader', VARIADIC array_fill(current_schema()::text, ARRAY[5]));
END
$$;
