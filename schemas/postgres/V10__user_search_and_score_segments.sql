-- user-metrics sink schema, version 10: finding users by id and segmenting them by feedback.
-- Applied by SchemaMigrator after V9, in one transaction, with search_path set to the schema.
--
-- Search (docs/queries.md, users-search): Langfuse matches user ids with ILIKE '%q%', which no
-- b-tree can serve; a trigram GIN index (pg_trgm) can, in a few milliseconds at a million users.
-- pg_trgm is a trusted extension: a database owner may create it (bin/up's and the embedded
-- Postgres can). It goes into schema public, shared by every job schema of the database, so that
-- dropping one schema (an old table generation) cannot take the extension and the other schemas'
-- indexes with it; an extension an administrator created elsewhere is used where it is. Where it
-- cannot be created, the migration says so (NOTICE, in the job's log) and the search still
-- works, by reading the project's users in cost order until a page matches.
DO $$
DECLARE
    trgm_schema text;
BEGIN
    SELECT n.nspname INTO trgm_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    IF trgm_schema IS NULL THEN
        BEGIN
            CREATE EXTENSION pg_trgm SCHEMA public;
            trgm_schema := 'public';
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'pg_trgm could not be created (%): users-search reads the project''s users in cost order; '
                'ask an administrator for CREATE EXTENSION pg_trgm, then migrate a new schema', SQLERRM;
        END;
    END IF;
    IF trgm_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX user_metrics_user_trgm_idx ON user_metrics USING gin (user_id %I.gin_trgm_ops)', trgm_schema);
    END IF;
END
$$;

-- The search runs in a function because of row-level security (V9): ILIKE is not leakproof, so
-- in a reader's query Postgres applies it only after the tables' policies, never as an index
-- condition: the trigram index would go unused and a search for a rare id would read every user
-- of the project (2.5 s at a million). user_search_page runs as the schema's owner (no policies),
-- applies the same tenant rule itself, to the role that called it (SET ROLE's role, else the
-- login; the owner and the roles that inherit its rights see every project, as with the views),
-- and returns only the ids of one page, in the Users list's order; the documented query joins
-- them to users_list, whose policies apply again. %, _ and \ in the search text match
-- themselves. It answers for the session's role, not for the code that calls it: a reader's own
-- SECURITY DEFINER function run by a more privileged session sees what that session may see.
DO $$
BEGIN
    -- search_path is pg_catalog only, every table named with its schema: the body runs with the
    -- owner's rights, so no object a reader could create (in public, say) may stand in for a
    -- built-in function or a table it uses. E'' strings: the body parses the same whatever
    -- standard_conforming_strings the calling session has.
    EXECUTE format($f$
        CREATE FUNCTION user_search_page(search text, page_size integer, page_offset integer)
        RETURNS TABLE (user_id text)
        LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
        DECLARE
            caller name := CASE pg_catalog.current_setting('role')
                               WHEN 'none' THEN session_user ELSE pg_catalog.current_setting('role')::name END;
            project text := pg_catalog.current_setting('app.project_id', true);
        BEGIN
            IF project IS NULL OR NOT (pg_catalog.pg_has_role(caller, current_user, 'USAGE') OR EXISTS (
                    SELECT 1 FROM %1$I.reader_projects g
                    WHERE g.project_id = project
                      AND pg_catalog.pg_has_role(caller, pg_catalog.to_regrole(g.role_name)::oid, 'USAGE'))) THEN
                RETURN;
            END IF;
            -- The pattern as a constant, so that the plan is made for it: a rare fragment reads
            -- its matches from the trigram index, a common one the cost index until a page is full.
            -- At most 1,000 ids per call (Langfuse's row_limit).
            RETURN QUERY EXECUTE pg_catalog.format(
                'SELECT m.user_id FROM %%I.user_metrics m WHERE m.project_id = %%L AND m.user_id ILIKE %%L'
                ' ORDER BY m.total_cost DESC, m.user_id LIMIT $1 OFFSET $2',
                %1$L, project,
                '%%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(search, E'\\', E'\\\\'), '%%', E'\\%%'),
                                           '_', E'\\_') || '%%')
            USING LEAST(page_size, 1000), page_offset;
        END
        $body$
    $f$, current_schema());
    REVOKE EXECUTE ON FUNCTION user_search_page(text, integer, integer) FROM PUBLIC;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader') THEN
        GRANT EXECUTE ON FUNCTION user_search_page(text, integer, integer) TO metrics_reader;
    END IF;
END
$$;

-- Feedback segments (users-by-score-avg, users-by-score-count): the users of one score name and
-- data type ordered by their average or their count, read in index order (page after page).
CREATE INDEX user_scores_by_avg_idx ON user_scores (project_id, name, data_type, value_avg DESC NULLS LAST, user_id);
CREATE INDEX user_scores_by_count_idx ON user_scores (project_id, name, data_type, score_count DESC, user_id);
