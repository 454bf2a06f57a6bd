-- user-metrics sink tables, version 1.
-- Applied by the job on start (SchemaMigrator) inside the schema given by --postgres.schema,
-- with search_path set to it; every statement must be idempotent-safe under that migrator
-- (it runs once per schema, recorded in schema_migrations).

-- Cumulative metrics per user. A row exists while the user has at least one trace or
-- observation; when both counts fall to 0 (the user's traces moved to another user) the row is
-- deleted, so every read path can count rows as users.
CREATE TABLE user_metrics (
    project_id        text        NOT NULL,
    user_id           text        NOT NULL,
    trace_count       bigint      NOT NULL,
    observation_count bigint      NOT NULL,
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
    PRIMARY KEY (project_id, user_id)
);

-- The same metrics per UTC hour / UTC day. Traces count in the bucket of the trace time,
-- observations (with their tokens and costs) in the bucket of their startTime.
CREATE TABLE user_metrics_hourly (
    project_id        text        NOT NULL,
    user_id           text        NOT NULL,
    bucket_start      timestamptz NOT NULL,
    trace_count       bigint      NOT NULL,
    observation_count bigint      NOT NULL,
    input_tokens      bigint      NOT NULL,
    output_tokens     bigint      NOT NULL,
    total_tokens      bigint      NOT NULL,
    input_cost        numeric     NOT NULL,
    output_cost       numeric     NOT NULL,
    total_cost        numeric     NOT NULL,
    usage_details     jsonb       NOT NULL,
    cost_details      jsonb       NOT NULL,
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (project_id, user_id, bucket_start)
);

CREATE TABLE user_metrics_daily (LIKE user_metrics_hourly INCLUDING ALL);

-- Records (or userIds) the job did not use, with the reason. Unique per Kafka record and
-- reason, so a replay after a restart does not add duplicates.
CREATE TABLE rejected_events (
    id              bigserial   PRIMARY KEY,
    event_id        text,
    project_id      text,
    action          text        NOT NULL CHECK (action IN ('rejected', 'user_id_dropped')),
    reason          text        NOT NULL,
    detail          text,
    raw             text,
    kafka_topic     text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kafka_topic, kafka_partition, kafka_offset, reason)
);

CREATE INDEX rejected_events_reason_idx ON rejected_events (reason, received_at);
