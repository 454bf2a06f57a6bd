-- user-metrics sink tables, version 2: environments in the bucket keys, per-environment totals,
-- daily usage per model, user feedback (scores), the read views with Langfuse's field names,
-- their indexes and the read-only role metrics_reader.
-- Applied by SchemaMigrator after V1, in one transaction, with search_path set to the schema.

-- ---------------------------------------------------------------- tables

-- Rows written before V2 carry no environment: they are all 'default'.
ALTER TABLE user_metrics ADD COLUMN score_count bigint NOT NULL DEFAULT 0;

ALTER TABLE user_metrics_hourly
    ADD COLUMN environment text NOT NULL DEFAULT 'default',
    ADD COLUMN score_count bigint NOT NULL DEFAULT 0,
    DROP CONSTRAINT user_metrics_hourly_pkey,
    ADD PRIMARY KEY (project_id, user_id, environment, bucket_start);

ALTER TABLE user_metrics_daily
    ADD COLUMN environment text NOT NULL DEFAULT 'default',
    ADD COLUMN score_count bigint NOT NULL DEFAULT 0,
    DROP CONSTRAINT user_metrics_daily_pkey,
    ADD PRIMARY KEY (project_id, user_id, environment, bucket_start);

-- Cumulative metrics per user and environment (user_metrics is the same over all environments).
CREATE TABLE user_metrics_env (
    project_id        text        NOT NULL,
    user_id           text        NOT NULL,
    environment       text        NOT NULL,
    trace_count       bigint      NOT NULL,
    observation_count bigint      NOT NULL,
    score_count       bigint      NOT NULL,
    input_tokens      bigint      NOT NULL,
    output_tokens     bigint      NOT NULL,
    total_tokens      bigint      NOT NULL,
    input_cost        numeric     NOT NULL,
    output_cost       numeric     NOT NULL,
    total_cost        numeric     NOT NULL,
    usage_details     jsonb       NOT NULL,
    cost_details      jsonb       NOT NULL,
    first_seen        timestamptz,
    last_seen         timestamptz,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (project_id, user_id, environment)
);

-- Observations per user, environment, UTC day and model ('' = the observation named no model):
-- the shape of Langfuse's GET /api/public/metrics/daily usage[] breakdown.
CREATE TABLE user_model_metrics_daily (
    project_id        text        NOT NULL,
    user_id           text        NOT NULL,
    environment       text        NOT NULL,
    bucket_start      timestamptz NOT NULL,
    model             text        NOT NULL,
    observation_count bigint      NOT NULL,
    input_tokens      bigint      NOT NULL,
    output_tokens     bigint      NOT NULL,
    total_tokens      bigint      NOT NULL,
    input_cost        numeric     NOT NULL,
    output_cost       numeric     NOT NULL,
    total_cost        numeric     NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (project_id, user_id, environment, bucket_start, model)
);

-- User feedback: the scores of the user's traces per (name, data type), over all environments.
-- value_sum is exact; value_avg is value_sum / score_count by Postgres numeric division.
CREATE TABLE user_scores (
    project_id    text        NOT NULL,
    user_id       text        NOT NULL,
    name          text        NOT NULL,
    data_type     text        NOT NULL CHECK (data_type IN ('NUMERIC', 'BOOLEAN', 'CATEGORICAL')),
    score_count   bigint      NOT NULL,
    value_sum     numeric,                     -- NUMERIC and BOOLEAN
    value_avg     numeric GENERATED ALWAYS AS (value_sum / NULLIF(score_count, 0)) STORED,
    value_counts  jsonb,                       -- CATEGORICAL and BOOLEAN: label -> count
    last_score_at timestamptz,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (project_id, user_id, name, data_type)
);

-- Users per project ('' = over all environments, else per environment): the Users page's total,
-- kept by the job (a count over a million user_metrics rows would take ~80 ms).
CREATE TABLE project_users (
    project_id  text        NOT NULL,
    environment text        NOT NULL,
    user_count  bigint      NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (project_id, environment)
);

ALTER TABLE rejected_events
    DROP CONSTRAINT rejected_events_action_check,
    ADD CONSTRAINT rejected_events_action_check
        CHECK (action IN ('rejected', 'user_id_dropped', 'environment_defaulted', 'model_dropped'));

-- ---------------------------------------------------------------- indexes (see docs/queries.md)

-- Users list, all time, one page ordered by cost / tokens / traces (ties by user id).
CREATE INDEX user_metrics_by_cost_idx   ON user_metrics (project_id, total_cost DESC, user_id);
CREATE INDEX user_metrics_by_tokens_idx ON user_metrics (project_id, total_tokens DESC, user_id);
CREATE INDEX user_metrics_by_traces_idx ON user_metrics (project_id, trace_count DESC, user_id);
CREATE INDEX user_metrics_env_by_cost_idx   ON user_metrics_env (project_id, environment, total_cost DESC, user_id);
CREATE INDEX user_metrics_env_by_tokens_idx ON user_metrics_env (project_id, environment, total_tokens DESC, user_id);
CREATE INDEX user_metrics_env_by_traces_idx ON user_metrics_env (project_id, environment, trace_count DESC, user_id);
-- Time ranges over all users of a project (Users list over a range, Metrics API by time).
CREATE INDEX user_metrics_daily_range_idx  ON user_metrics_daily (project_id, bucket_start);
CREATE INDEX user_metrics_hourly_range_idx ON user_metrics_hourly (project_id, bucket_start);
CREATE INDEX user_model_metrics_daily_range_idx ON user_model_metrics_daily (project_id, bucket_start);
-- One user's page and series are served by the primary keys (project_id, user_id, ...).

-- ---------------------------------------------------------------- read views (Langfuse's field names)
--
-- Tenant isolation: every view returns only the rows of the project named by the connection's
-- setting app.project_id (SET app.project_id = 'project-1'); without it, nothing. The views read
-- the tables with their owner's rights, so this filter is what scopes a reader; the tables
-- themselves also carry row-level security for any role that is granted them (below).

-- One row per user over all environments (environment NULL) and one per user and environment.
-- feedback: the user's scores, compact: [{name, dataType, count, avg, values}] ordered by name
-- (scores are per user, over all environments). A subquery, not a function: a view reads its
-- tables with its owner's rights, a function would need the reader's.
CREATE VIEW users_list AS
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
    WHERE m.project_id = current_setting('app.project_id', true)
    UNION ALL
    SELECT e.project_id, e.user_id, e.environment,
           e.first_seen, e.last_seen, e.trace_count, e.observation_count,
           e.input_tokens, e.output_tokens, e.total_tokens, e.total_cost, e.score_count
    FROM user_metrics_env e
    WHERE e.project_id = current_setting('app.project_id', true)
) u;

-- Number of users of a project, over all environments (environment NULL) and per environment.
CREATE VIEW project_user_counts AS
SELECT project_id AS "projectId", NULLIF(environment, '') AS environment, user_count AS "totalUsers"
FROM project_users
WHERE project_id = current_setting('app.project_id', true);

-- Scores of one user by name (the user page's scores tab, aggregated).
CREATE VIEW user_scores_by_name AS
SELECT project_id AS "projectId", user_id AS "userId", name, data_type AS "dataType",
       score_count AS "count", value_sum AS "sumValue", value_avg AS "avgValue",
       value_counts AS "valueCounts", last_score_at AS "lastScoreAt"
FROM user_scores
WHERE project_id = current_setting('app.project_id', true);

-- The user page: users_list plus every score aggregate (with sums and last score time).
CREATE VIEW user_detail AS
SELECT l.*,
       (SELECT jsonb_agg(to_jsonb(s) - 'projectId' - 'userId' ORDER BY s.name, s."dataType")
        FROM user_scores_by_name s
        WHERE s."projectId" = l."projectId" AND s."userId" = l."userId") AS scores
FROM users_list l;

-- Time buckets per user and environment: Metrics-API measures under their API names.
CREATE VIEW user_metrics_by_hour AS
SELECT project_id AS "projectId", user_id AS "userId", environment, bucket_start AS "timeDimension",
       trace_count AS "countTraces", observation_count AS "countObservations", score_count AS "countScores",
       input_tokens AS "inputTokens", output_tokens AS "outputTokens", total_tokens AS "totalTokens",
       total_cost AS "totalCost"
FROM user_metrics_hourly
WHERE project_id = current_setting('app.project_id', true);

CREATE VIEW user_metrics_by_day AS
SELECT project_id AS "projectId", user_id AS "userId", environment, bucket_start AS "timeDimension",
       trace_count AS "countTraces", observation_count AS "countObservations", score_count AS "countScores",
       input_tokens AS "inputTokens", output_tokens AS "outputTokens", total_tokens AS "totalTokens",
       total_cost AS "totalCost"
FROM user_metrics_daily
WHERE project_id = current_setting('app.project_id', true);

-- Weeks (ISO, starting Monday 00:00 UTC) and months (UTC) are sums of the daily rows.
CREATE VIEW user_metrics_by_week AS
SELECT project_id AS "projectId", user_id AS "userId", environment,
       date_trunc('week', bucket_start, 'UTC') AS "timeDimension",
       sum(trace_count)::bigint AS "countTraces", sum(observation_count)::bigint AS "countObservations",
       sum(score_count)::bigint AS "countScores", sum(input_tokens)::bigint AS "inputTokens",
       sum(output_tokens)::bigint AS "outputTokens", sum(total_tokens)::bigint AS "totalTokens",
       sum(total_cost) AS "totalCost"
FROM user_metrics_daily
WHERE project_id = current_setting('app.project_id', true)
GROUP BY project_id, user_id, environment, date_trunc('week', bucket_start, 'UTC');

CREATE VIEW user_metrics_by_month AS
SELECT project_id AS "projectId", user_id AS "userId", environment,
       date_trunc('month', bucket_start, 'UTC') AS "timeDimension",
       sum(trace_count)::bigint AS "countTraces", sum(observation_count)::bigint AS "countObservations",
       sum(score_count)::bigint AS "countScores", sum(input_tokens)::bigint AS "inputTokens",
       sum(output_tokens)::bigint AS "outputTokens", sum(total_tokens)::bigint AS "totalTokens",
       sum(total_cost) AS "totalCost"
FROM user_metrics_daily
WHERE project_id = current_setting('app.project_id', true)
GROUP BY project_id, user_id, environment, date_trunc('month', bucket_start, 'UTC');

-- Daily usage per user and model (model NULL: the observations named none).
CREATE VIEW user_model_usage_daily AS
SELECT project_id AS "projectId", user_id AS "userId", environment, bucket_start AS "date",
       NULLIF(model, '') AS model, observation_count AS "countObservations",
       input_tokens AS "inputUsage", output_tokens AS "outputUsage", total_tokens AS "totalUsage",
       input_cost AS "inputCost", output_cost AS "outputCost", total_cost AS "totalCost"
FROM user_model_metrics_daily
WHERE project_id = current_setting('app.project_id', true);

-- Row-level security on the tables, for roles other than the owner (the job): a role granted
-- SELECT on a table sees only the rows of its app.project_id.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['user_metrics', 'user_metrics_env', 'user_metrics_hourly', 'user_metrics_daily',
                             'user_model_metrics_daily', 'user_scores', 'project_users', 'rejected_events'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I FOR SELECT USING (project_id = current_setting(''app.project_id'', true))', t);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------- read-only role

-- metrics_reader may SELECT the views above and nothing else (the views read the tables with
-- their owner's rights). Created when the migrating user may create roles; otherwise an
-- administrator creates it (docs/operations.md) and runs the GRANTs of docs/queries.md.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader') THEN
        BEGIN
            CREATE ROLE metrics_reader NOLOGIN;
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE NOTICE 'cannot create role metrics_reader (no CREATEROLE); skipping its grants';
                RETURN;
            WHEN duplicate_object THEN
                NULL; -- created meanwhile by the migration of another schema
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO metrics_reader', current_schema());
    EXECUTE format('GRANT SELECT ON %I.users_list, %I.user_detail, %I.user_scores_by_name, '
                   '%I.user_metrics_by_hour, %I.user_metrics_by_day, %I.user_metrics_by_week, '
                   '%I.user_metrics_by_month, %I.user_model_usage_daily, %I.project_user_counts TO metrics_reader',
                   VARIADIC array_fill(current_schema()::text, ARRAY[9]));
END
$$;
