-- user-metrics sink schema, version 9: a reader sees the projects granted to its role, whatever it sets.
-- Applied by SchemaMigrator after V8, in one transaction, with search_path set to the schema.
--
-- Until V8 any reader chose its tenant with SET app.project_id = '…': the views read the tables
-- with their owner's rights and filtered on that setting only. Now:
--   * reader_projects maps roles to the projects they may read (rows are written by the owner or
--     an administrator; a role reads the projects granted to any role whose privileges it has);
--   * the read views are security_invoker: they read the tables with the reader's rights, so the
--     tables' row-level security applies to every row a reader's query touches, before any
--     function or operator of the reader's own query sees it (no leaky function, no error
--     message reveals another project's rows);
--   * each table's policy admits a row only if its project is the connection's app.project_id AND
--     that project is granted to the current role. A pooled connection that keeps app.project_id
--     and serves another role next (SET ROLE) shows that role nothing of the first one's project.
-- The policy's grant check does not depend on the row, so Postgres evaluates it once per query
-- (an InitPlan gating the scan) and the project condition stays an index condition: every page
-- query still reads through its index (QueryPlansIT, as a bound reader). Not FORCE ROW LEVEL
-- SECURITY: the owner is the job, which writes every project; readers are never owners.
CREATE TABLE reader_projects (
    role_name  text NOT NULL,
    project_id text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_name, project_id)
);
CREATE INDEX reader_projects_project_idx ON reader_projects (project_id);
-- A reader sees its own grants only (a role that no longer exists has none).
ALTER TABLE reader_projects ENABLE ROW LEVEL SECURITY;
-- (to_regrole: NULL for a dropped role, so its rows grant nothing instead of failing every query)
CREATE POLICY own_grants ON reader_projects FOR SELECT USING (pg_has_role(current_user, to_regrole(role_name), 'USAGE'));

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['user_metrics', 'user_metrics_env', 'user_metrics_hourly', 'user_metrics_daily',
                             'user_model_metrics_daily', 'user_scores', 'project_users', 'rejected_events'] LOOP
        EXECUTE format('ALTER POLICY tenant_isolation ON %I USING ('
                       'project_id = current_setting(''app.project_id'', true) AND EXISTS ('
                       'SELECT 1 FROM reader_projects g WHERE g.project_id = current_setting(''app.project_id'', true)))', t);
    END LOOP;
END
$$;

ALTER VIEW users_list SET (security_invoker = true);
ALTER VIEW user_detail SET (security_invoker = true);
ALTER VIEW user_scores_by_name SET (security_invoker = true);
ALTER VIEW user_metrics_by_hour SET (security_invoker = true);
ALTER VIEW user_metrics_by_day SET (security_invoker = true);
ALTER VIEW user_metrics_by_week SET (security_invoker = true);
ALTER VIEW user_metrics_by_month SET (security_invoker = true);
ALTER VIEW user_model_usage_daily SET (security_invoker = true);
ALTER VIEW project_user_counts SET (security_invoker = true);

-- The views now read the tables as the reader: metrics_reader may SELECT them (row-level security
-- decides which rows) and its own grants. Nothing else: no INSERT, UPDATE or DELETE anywhere.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader') THEN
        RAISE NOTICE 'role metrics_reader does not exist; an administrator grants it (docs/queries.md)';
        RETURN;
    END IF;
    EXECUTE format('GRANT SELECT ON %I.user_metrics, %I.user_metrics_env, %I.user_metrics_hourly, '
                   '%I.user_metrics_daily, %I.user_model_metrics_daily, %I.user_scores, %I.project_users, '
                   '%I.reader_projects TO metrics_reader', VARIADIC array_fill(current_schema()::text, ARRAY[8]));
END
$$;
