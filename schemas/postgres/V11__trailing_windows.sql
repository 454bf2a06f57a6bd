-- user-metrics sink schema, version 11: the Users list over the last 24 hours, 7, 30 and 90 days at page speed.
-- Applied by SchemaMigrator after V10, in one transaction, with search_path set to the schema.
--
-- A time range summed from the daily rows costs one row per (user, day) of the range: 63 ms for
-- one day, 722 ms for 30 days at a million users. The job keeps, per user, the totals of four
-- trailing windows (hour-aligned, relative to its data clock: the current hour and the 23, 167,
-- 719, 2,159 before it; docs/design.md) and writes them here, one row per (user, environment,
-- window) while the window counts anything; environment '' is all environments. Each window of a
-- row equals, at every checkpoint, the sum of the user's user_metrics_hourly rows inside it.
-- A page of one window, environment and order reads only its rows through one of the indexes.
CREATE TABLE user_metrics_windows (
    project_id            text        NOT NULL,
    user_id               text        NOT NULL,
    environment           text        NOT NULL,
    time_window           text        NOT NULL CHECK (time_window IN ('24h', '7d', '30d', '90d')),
    trace_count           bigint      NOT NULL,
    observation_count     bigint      NOT NULL,
    score_count           bigint      NOT NULL,
    input_tokens          bigint      NOT NULL,
    output_tokens         bigint      NOT NULL,
    total_tokens          bigint      NOT NULL,
    input_cost            numeric     NOT NULL,
    output_cost           numeric     NOT NULL,
    total_cost            numeric     NOT NULL,
    calculated_total_cost numeric     NOT NULL,
    updated_at            timestamptz NOT NULL,
    PRIMARY KEY (project_id, user_id, environment, time_window)
);
CREATE INDEX user_metrics_windows_by_cost_idx ON user_metrics_windows (project_id, time_window, environment, total_cost DESC, user_id);
CREATE INDEX user_metrics_windows_by_tokens_idx ON user_metrics_windows (project_id, time_window, environment, total_tokens DESC, user_id);
CREATE INDEX user_metrics_windows_by_traces_idx ON user_metrics_windows (project_id, time_window, environment, trace_count DESC, user_id);

-- The tenant rule of every table (V9): the connection's project, granted to the reader's role.
ALTER TABLE user_metrics_windows ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON user_metrics_windows FOR SELECT USING (
    project_id = current_setting('app.project_id', true) AND EXISTS (
        SELECT 1 FROM reader_projects g WHERE g.project_id = current_setting('app.project_id', true)));

-- Langfuse's field names (as users_list). environment stays '' for all environments (not NULL as
-- in users_list, whose two tables a UNION ALL joins): an expression over the column would not be
-- an index condition.
CREATE VIEW users_list_recent WITH (security_invoker = true) AS
SELECT project_id AS "projectId", user_id AS "userId", environment, time_window AS "timeWindow",
       trace_count AS "totalTraces", observation_count AS "totalObservations",
       input_tokens AS "totalPromptTokens", output_tokens AS "totalCompletionTokens",
       total_tokens AS "totalTokens", total_cost AS "sumCalculatedTotalCost", score_count AS "totalScores",
       input_cost AS "inputCost", output_cost AS "outputCost", calculated_total_cost AS "calculatedTotalCost"
FROM user_metrics_windows
WHERE project_id = current_setting('app.project_id', true);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader') THEN
        RAISE NOTICE 'role metrics_reader does not exist; an administrator grants it (docs/queries.md)';
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT ON %I.user_metrics_windows, %I.users_list_recent TO metrics_reader',
                   current_schema(), current_schema());
END
$$;
