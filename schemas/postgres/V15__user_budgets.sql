-- user-metrics sink schema, version 15: per-user budgets and the alerts the job raises when a
-- user's value in a budget's window crosses one of its thresholds (docs/budgets.md).
-- Applied by SchemaMigrator after V14, in one transaction, with search_path set to the schema.

-- One budget: for a project, one user of it (user_id) or every user (NULL), one environment or
-- all of them summed (NULL); a measure over a window; thresholds as fractions of the limit
-- (0.8 = 80 %). Managed by operators (local-cluster/bin/budgets) and read live by the job, like
-- the model prices: a change applies within --budgets.poll-interval, to current totals at once.
CREATE TABLE user_budgets (
    id          text        PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
    project_id  text        NOT NULL,
    user_id     text,
    environment text        CHECK (environment <> ''),
    measure     text        NOT NULL CHECK (measure IN ('totalCost', 'totalTokens', 'countTraces', 'countObservations')),
    time_window text        NOT NULL CHECK (time_window IN ('24h', '7d', '30d', 'day', 'month', 'all')),
    limit_value numeric     NOT NULL CHECK (limit_value > 0 AND limit_value < 'Infinity'),
    thresholds  numeric[]   NOT NULL DEFAULT '{1}'
                CHECK (cardinality(thresholds) BETWEEN 1 AND 10 AND 0 < ALL (thresholds) AND 100 >= ALL (thresholds)
                       AND array_position(thresholds, NULL) IS NULL),
    description text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_budgets_by_project_idx ON user_budgets (project_id);

-- One crossing: the user's value in the budget's window went from below limit × threshold to at
-- or above it (state firing), and possibly back below it (state resolved, same row). alert_id is
-- derived by the job from (project, user, budget, threshold, window start, crossing number), so
-- a replayed crossing has the same id here and on the alerts topic.
CREATE TABLE user_budget_alerts (
    alert_id            uuid        PRIMARY KEY,
    project_id          text        NOT NULL,
    user_id             text        NOT NULL,
    budget_id           text        NOT NULL,
    threshold           numeric     NOT NULL,
    -- The calendar day or month of the crossing (UTC); NULL for trailing windows and all time.
    window_start        timestamptz,
    crossing            integer     NOT NULL,
    state               text        NOT NULL CHECK (state IN ('firing', 'resolved')),
    measure             text        NOT NULL,
    time_window         text        NOT NULL,
    environment         text,
    limit_value         numeric     NOT NULL,
    threshold_value     numeric     NOT NULL,
    value_at_crossing   numeric     NOT NULL,
    crossed_at          timestamptz NOT NULL,
    value_at_resolution numeric,
    resolved_at         timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
-- A project's recent alerts, and one user's (user ids may be 3,000 bytes: hashed, as in V6).
CREATE INDEX user_budget_alerts_by_time_idx ON user_budget_alerts (project_id, crossed_at DESC);
CREATE INDEX user_budget_alerts_by_user_idx ON user_budget_alerts (project_id, md5(user_id), crossed_at DESC);

-- Langfuse-style field names for readers (the read schema of table generations holds views only).
CREATE VIEW user_budgets_list WITH (security_invoker = true) AS
SELECT project_id AS "projectId", id, user_id AS "userId", environment, measure, time_window AS "timeWindow",
       limit_value AS "limit", thresholds, description, updated_at AS "updatedAt"
FROM user_budgets
WHERE project_id = current_setting('app.project_id', true);

CREATE VIEW user_budget_alerts_list WITH (security_invoker = true) AS
SELECT project_id AS "projectId", alert_id AS id, user_id AS "userId", budget_id AS "budgetId", threshold,
       window_start AS "windowStart", crossing, state, measure, time_window AS "timeWindow", environment,
       limit_value AS "limit", threshold_value AS "thresholdValue", value_at_crossing AS "valueAtCrossing",
       crossed_at AS "crossedAt", value_at_resolution AS "valueAtResolution", resolved_at AS "resolvedAt"
FROM user_budget_alerts
WHERE project_id = current_setting('app.project_id', true);

-- The tenant rule of every table (V9): the connection's project, granted to the reader's role.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['user_budgets', 'user_budget_alerts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I FOR SELECT USING ('
                       'project_id = current_setting(''app.project_id'', true) AND EXISTS ('
                       'SELECT 1 FROM reader_projects g WHERE g.project_id = current_setting(''app.project_id'', true)))', t);
    END LOOP;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader') THEN
        RAISE NOTICE 'role metrics_reader does not exist; an administrator grants it (docs/queries.md)';
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT ON %I.user_budgets, %I.user_budget_alerts, %I.user_budgets_list, %I.user_budget_alerts_list '
                   'TO metrics_reader', VARIADIC array_fill(current_schema()::text, ARRAY[4]));
END
$$;
