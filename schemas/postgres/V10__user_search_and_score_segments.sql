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

-- The search runs in functions because of row-level security (V9): ILIKE is not leakproof, so
-- in a reader's query Postgres applies it only after the tables' policies, never as an index
-- condition: the trigram index would go unused and a search for a rare id would read every user
-- of the project (2.5 s at a million). user_search_page and user_search_count run as the
-- schema's owner (no policies), apply the same tenant rule themselves, to the role that called
-- them (the owner and the roles that inherit its rights see every project, as with the views),
-- and return only ids (of one page, in the Users list's order) or a count; the documented query
-- joins the ids to users_list, whose policies apply again. %, _ and \ in the search text match
-- themselves. They answer for the session's role, not for the code that calls them: a reader's
-- own SECURITY DEFINER function run by a more privileged session sees what that session may see.
DO $$
BEGIN
    -- search_path is pg_catalog only, every table and function of the schema named with it: the
    -- bodies run with the owner's rights, so no object a reader could create (in public, say) may
    -- stand in for a built-in function or a table they use. E'' strings: the bodies parse the
    -- same whatever standard_conforming_strings the calling session has.
    --
    -- The tenant rule, for the role that called (SET ROLE's role, else the login): the project
    -- in app.project_id is granted to it in reader_projects, or it inherits the owner's rights.
    EXECUTE format($f$
        CREATE FUNCTION user_search_allowed() RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
        DECLARE
            caller name := CASE pg_catalog.current_setting('role')
                               WHEN 'none' THEN session_user ELSE pg_catalog.current_setting('role')::name END;
            project text := pg_catalog.current_setting('app.project_id', true);
        BEGIN
            RETURN project IS NOT NULL AND (pg_catalog.pg_has_role(caller, current_user, 'USAGE') OR EXISTS (
                SELECT 1 FROM %1$I.reader_projects g
                WHERE g.project_id = project
                  AND pg_catalog.pg_has_role(caller, pg_catalog.to_regrole(g.role_name)::oid, 'USAGE')));
        END
        $body$
    $f$, current_schema());
    -- The user ids of the connection's project containing the search text: the query text, with
    -- the project and the ILIKE pattern as constants (so that the plan is made for them).
    EXECUTE format($f$
        CREATE FUNCTION user_search_query(search text, order_and_limit text) RETURNS text
        LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $body$
            SELECT pg_catalog.format(
                'SELECT m.user_id FROM %%I.user_metrics m WHERE m.project_id = %%L AND m.user_id ILIKE %%L ',
                %1$L, pg_catalog.current_setting('app.project_id', true),
                '%%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(search, E'\\', E'\\\\'), '%%', E'\\%%'),
                                           '_', E'\\_') || '%%') || order_and_limit
        $body$
    $f$, current_schema());
    -- One page, in the Users list's order: a rare fragment reads its matches from the trigram
    -- index, a common one the cost index until the page is full. At most 1,000 ids per call.
    EXECUTE format($f$
        CREATE FUNCTION user_search_page(search text, page_size integer, page_offset integer)
        RETURNS TABLE (user_id text)
        LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
        BEGIN
            IF %1$I.user_search_allowed() THEN
                RETURN QUERY EXECUTE %1$I.user_search_query(search, 'ORDER BY m.total_cost DESC, m.user_id LIMIT $1 OFFSET $2')
                USING LEAST(page_size, 1000), page_offset;
            END IF;
        END
        $body$
    $f$, current_schema());
    -- The pager's total: the matches, counted up to 1,000 without ordering them (ordered, the
    -- planner may walk the cost index a long way to find 1,000 matches of a 3-character fragment).
    EXECUTE format($f$
        CREATE FUNCTION user_search_count(search text) RETURNS bigint
        LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
        DECLARE
            n bigint := 0;
        BEGIN
            IF %1$I.user_search_allowed() THEN
                EXECUTE 'SELECT count(*) FROM (' || %1$I.user_search_query(search, 'LIMIT 1000') || ') matches' INTO n;
            END IF;
            RETURN n;
        END
        $body$
    $f$, current_schema());
    REVOKE EXECUTE ON FUNCTION user_search_allowed(), user_search_query(text, text),
        user_search_page(text, integer, integer), user_search_count(text) FROM PUBLIC;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'metrics_reader') THEN
        GRANT EXECUTE ON FUNCTION user_search_page(text, integer, integer), user_search_count(text) TO metrics_reader;
    END IF;
END
$$;

-- Feedback segments (users-by-score-avg, users-by-score-count): the users of one score name and
-- data type ordered by their average or their count, read in index order (page after page).
CREATE INDEX user_scores_by_avg_idx ON user_scores (project_id, name, data_type, value_avg DESC NULLS LAST, user_id);
CREATE INDEX user_scores_by_count_idx ON user_scores (project_id, name, data_type, score_count DESC, user_id);
