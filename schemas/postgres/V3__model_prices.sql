-- user-metrics sink schema, version 3: model price definitions, from which the job derives the
-- cost of observations that carry usage but no cost (Langfuse's model definitions).
-- Applied by SchemaMigrator after V2, in one transaction, with search_path set to the schema.
-- Seed rows: schemas/postgres/seed/model_prices.sql (local-cluster/bin/load-model-prices).

-- One definition: which models it prices (match_pattern, a regular expression searched in the
-- observation's model, case-insensitive; Langfuse's patterns are anchored and may start with
-- "(?i)"), for which project (NULL: every project), from when (start_date; NULL: always).
-- Matching: a project's definition wins over a global one; among those, the latest start_date
-- not after the observation's start time; ties by id (docs/tables.md).
CREATE TABLE models (
    id            text        PRIMARY KEY,
    project_id    text,
    model_name    text        NOT NULL,
    match_pattern text        NOT NULL,
    start_date    timestamptz,
    unit          text        NOT NULL DEFAULT 'TOKENS',
    -- Where the prices come from (a URL, a contract), so a reader can check them.
    source        text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX models_by_project_idx ON models (project_id, model_name);

-- Price per unit of one usage key (input, output, input_cached_tokens, total, …), exact.
-- The cost of an observation is the sum of usage × price over its usage keys that have a price;
-- the "total" price applies only when no other key has one.
CREATE TABLE model_prices (
    model_id   text    NOT NULL REFERENCES models (id) ON DELETE CASCADE,
    usage_type text    NOT NULL,
    price      numeric NOT NULL CHECK (price >= 0),
    PRIMARY KEY (model_id, usage_type)
);

-- Row-level security like the metric tables: a reader role sees global definitions and those of
-- its app.project_id (the job, as owner, sees all).
ALTER TABLE models ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON models FOR SELECT
    USING (project_id IS NULL OR project_id = current_setting('app.project_id', true));
ALTER TABLE model_prices ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON model_prices FOR SELECT
    USING (EXISTS (SELECT 1 FROM models m WHERE m.id = model_id
                   AND (m.project_id IS NULL OR m.project_id = current_setting('app.project_id', true))));
