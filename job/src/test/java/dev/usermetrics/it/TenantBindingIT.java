package dev.usermetrics.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.usermetrics.sink.SchemaMigrator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Readers are bound to projects in the database (V9): a role sees the projects granted to it in
 * reader_projects, whatever app.project_id it sets; a pooled connection cannot carry a project
 * over to the next role; neither a leaky function nor an error message reveals another tenant's
 * rows; readers cannot write. Rows are written here by the owner, as the job would.
 */
class TenantBindingIT {
    private static final String SCHEMA = "it_tenants";
    private static final String A = "it_tenant_a";
    private static final String B = "it_tenant_b";
    private static final String A_MEMBER = "it_tenant_a_member";

    @BeforeAll
    static void twoTenants() throws Exception {
        SchemaMigrator.migrate(Services.postgresUrl(), Services.postgresUser(), "", SCHEMA);
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            for (String role : List.of(A, B)) {
                s.execute("DO $$ BEGIN CREATE ROLE " + role + " NOLOGIN IN ROLE metrics_reader; "
                        + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            }
            // Has tenant A's privileges through membership (a group of readers).
            s.execute("DO $$ BEGIN CREATE ROLE " + A_MEMBER + " NOLOGIN IN ROLE " + A + "; "
                    + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            s.execute("SET search_path TO " + SCHEMA);
            s.execute("INSERT INTO reader_projects (role_name, project_id) VALUES ('" + A + "', 'pa'), ('" + B + "', 'pb')");
            for (String[] r : new String[][] {{"pa", "alice"}, {"pa", "amir"}, {"pb", "secret-b"}}) {
                s.execute("INSERT INTO user_metrics (project_id, user_id, trace_count, observation_count, input_tokens, "
                        + "output_tokens, total_tokens, input_cost, output_cost, total_cost, usage_details, cost_details, "
                        + "first_seen, last_seen, updated_at) VALUES ('" + r[0] + "', '" + r[1] + "', 1, 1, 1, 1, 2, 0, 0, 0, "
                        + "'{}', '{}', now(), now(), now())");
            }
            s.execute("INSERT INTO project_users (project_id, environment, user_count, updated_at) VALUES "
                    + "('pa', '', 2, now()), ('pb', '', 1, now())");
        }
    }

    /** The users_list rows (over all environments) the role sees with app.project_id = project (null: unset). */
    private static List<String> users(Statement s, String role, String project) throws Exception {
        s.execute("SET ROLE " + role);
        s.execute(project == null ? "RESET app.project_id" : "SET app.project_id = '" + project + "'");
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT \"userId\" FROM " + SCHEMA + ".users_list WHERE environment IS NULL ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aReaderSeesExactlyTheProjectsGrantedToItWhateverItSets() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            assertThat(users(s, A, "pa")).containsExactly("alice", "amir");
            assertThat(users(s, A, "pb")).isEmpty(); // another tenant's id: nothing
            assertThat(users(s, A, null)).isEmpty();
            assertThat(users(s, A_MEMBER, "pa")).containsExactly("alice", "amir"); // through membership
            assertThat(users(s, B, "pb")).containsExactly("secret-b");
            // The tables and every other view under the same rules.
            s.execute("SET ROLE " + A);
            s.execute("SET app.project_id = 'pb'");
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".user_metrics")).isZero();
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".project_user_counts")).isZero();
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".user_detail")).isZero();
            // Its own grants only.
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".reader_projects")).isEqualTo(1);
            s.execute("RESET ROLE");
        }
    }

    /** What user_search_page (V10, the owner's rights) returns to the role with app.project_id = project. */
    private static List<String> searched(Statement s, String role, String project, String search) throws Exception {
        s.execute("SET ROLE " + role);
        s.execute(project == null ? "RESET app.project_id" : "SET app.project_id = '" + project + "'");
        List<String> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT user_id FROM " + SCHEMA + ".user_search_page('" + search + "', 50, 0) ORDER BY 1")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        s.execute("RESET ROLE");
        return out;
    }

    @Test
    void theSearchFunctionAppliesTheSameTenantRuleToItsCaller() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            assertThat(searched(s, A, "pa", "")).containsExactly("alice", "amir");
            assertThat(searched(s, A, "pb", "")).isEmpty(); // it runs as the owner, but answers for the caller
            assertThat(searched(s, A, "pb", "secret")).isEmpty();
            assertThat(searched(s, A, null, "")).isEmpty();
            assertThat(searched(s, A_MEMBER, "pa", "AM")).containsExactly("amir"); // through membership
            assertThat(searched(s, B, "pb", "")).containsExactly("secret-b");
            // The pool hands tenant A's connection to B: B still gets nothing of pa.
            assertThat(searched(s, B, "pa", "")).isEmpty();
            // The owner (no SET ROLE: the login) sees every project, as with the views.
            s.execute("SET app.project_id = 'pb'");
            try (ResultSet rs = s.executeQuery("SELECT user_id FROM " + SCHEMA + ".user_search_page('', 50, 0)")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("secret-b");
            }
            // Not for roles outside metrics_reader.
            s.execute("DO $$ BEGIN CREATE ROLE it_tenant_outsider NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            s.execute("SET ROLE it_tenant_outsider");
            assertThatThrownBy(() -> s.executeQuery("SELECT * FROM " + SCHEMA + ".user_search_page('', 50, 0)"))
                    .hasMessageContaining("permission denied");
            s.execute("RESET ROLE");
        }
    }

    @Test
    void theSearchFunctionUsesNoObjectAReaderCanCreate() throws Exception {
        // The job's schema is public by default, and a database from before Postgres 15 lets
        // everyone create objects there. Tenant A puts functions into the function's own schema
        // that would win the lookup of pg_has_role and format (better-matching argument types)
        // and grant it every project, were the body's names resolved in that schema.
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("GRANT CREATE ON SCHEMA " + SCHEMA + " TO " + A);
            try {
                s.execute("SET ROLE " + A);
                s.execute("CREATE FUNCTION " + SCHEMA + ".pg_has_role(name, regrole, text) RETURNS boolean LANGUAGE sql AS 'SELECT true'");
                s.execute("CREATE FUNCTION " + SCHEMA + ".pg_has_role(name, name, text) RETURNS boolean LANGUAGE sql AS 'SELECT true'");
                s.execute("CREATE FUNCTION " + SCHEMA + ".format(text, text, text) RETURNS text LANGUAGE sql"
                        + " AS 'SELECT ''SELECT user_id FROM " + SCHEMA + ".user_metrics LIMIT $1 OFFSET $2'''");
                s.execute("RESET ROLE");
                assertThat(searched(s, A, "pb", "")).isEmpty();
                assertThat(searched(s, A, "pa", "")).containsExactly("alice", "amir");
            } finally {
                s.execute("RESET ROLE");
                s.execute("DROP FUNCTION IF EXISTS " + SCHEMA + ".pg_has_role(name, regrole, text), " + SCHEMA
                        + ".pg_has_role(name, name, text), " + SCHEMA + ".format(text, text, text)");
                s.execute("REVOKE CREATE ON SCHEMA " + SCHEMA + " FROM " + A);
            }
            // A page is at most 1,000 ids; no page size (NULL) is no page.
            s.execute("SET ROLE " + A);
            s.execute("SET app.project_id = 'pa'");
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".user_search_page('', NULL, 0)")).isZero();
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".user_search_page('', 1000000, 0)")).isEqualTo(2);
            // The count answers under the same rule.
            assertThat(count(s, "SELECT " + SCHEMA + ".user_search_count('')")).isEqualTo(2);
            assertThat(count(s, "SELECT " + SCHEMA + ".user_search_count('m')")).isEqualTo(1);
            s.execute("SET app.project_id = 'pb'");
            assertThat(count(s, "SELECT " + SCHEMA + ".user_search_count('')")).isZero();
            // The helpers are the owner's only.
            assertThatThrownBy(() -> count(s, "SELECT " + SCHEMA + ".user_search_allowed()::int")).hasMessageContaining("permission denied");
            s.execute("RESET ROLE");
        }
    }

    @Test
    void aPooledConnectionCannotCarryAProjectOverToTheNextRole() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            assertThat(users(s, A, "pa")).containsExactly("alice", "amir");
            // The pool hands the connection to tenant B without resetting app.project_id.
            s.execute("SET ROLE " + B);
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".users_list")).isZero();
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".user_metrics")).isZero();
            s.execute("RESET ROLE");
        }
    }

    @Test
    void aLeakyFunctionSeesNoOtherTenantsRows() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            asTenantAWithCheapFunction(s, "leak", "RAISE NOTICE 'seen: %', $1; RETURN true;");
            List<String> seen = new ArrayList<>();
            for (String q : List.of("SELECT * FROM " + SCHEMA + ".users_list WHERE pg_temp.leak(\"userId\")",
                    "SELECT * FROM " + SCHEMA + ".user_metrics WHERE pg_temp.leak(user_id)",
                    "SELECT * FROM " + SCHEMA + ".user_detail WHERE pg_temp.leak(\"userId\")")) {
                try (ResultSet rs = s.executeQuery(q)) {
                    while (rs.next()) {
                        // rows of pa
                    }
                }
                for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                    seen.add(w.getMessage());
                }
                s.clearWarnings();
            }
            assertThat(seen).isNotEmpty().allMatch(m -> m.contains("alice") || m.contains("amir"));
            s.execute("RESET ROLE");
        }
    }

    @Test
    void anErrorMessageRevealsNoOtherTenantsRows() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            // Fails the query, naming the user, if it ever sees tenant B's row.
            asTenantAWithCheapFunction(s, "probe", "IF $1 = 'secret-b' THEN RAISE EXCEPTION 'found %', $1; END IF; RETURN true;");
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".users_list WHERE environment IS NULL AND pg_temp.probe(\"userId\")"))
                    .isEqualTo(2);
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".user_metrics WHERE pg_temp.probe(user_id)")).isEqualTo(2);
            assertThat(count(s, "SELECT count(*) FROM " + SCHEMA + ".users_list WHERE environment IS NULL AND "
                    + "1 / (CASE WHEN \"userId\" = 'secret-b' THEN 0 ELSE 1 END) = 1")).isEqualTo(2);
            s.execute("RESET ROLE");
        }
    }

    /**
     * Tenant A on project pa, as an attacker sets it up: index scans off, so every row of a table
     * passes the filters and only row-level security decides which ones its own functions see
     * (with the views of schema version 8, which read as their owner, both functions saw tenant
     * B's user this way), and pg_temp.NAME(text) with the given plpgsql body, costed as cheap as
     * possible so that the planner runs it before any filter it is allowed to.
     */
    private static void asTenantAWithCheapFunction(Statement s, String name, String body) throws Exception {
        s.execute("SET ROLE " + A);
        s.execute("SET app.project_id = 'pa'");
        s.execute("SET enable_indexscan = off");
        s.execute("SET enable_bitmapscan = off");
        s.execute("SET enable_indexonlyscan = off");
        s.execute("CREATE FUNCTION pg_temp." + name + "(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$ BEGIN "
                + body + " END $$");
    }

    @Test
    void aReaderCannotWriteNorGrantItselfAProject() throws Exception {
        try (Connection c = Services.connect(); Statement s = c.createStatement()) {
            s.execute("SET ROLE " + A);
            s.execute("SET app.project_id = 'pa'");
            for (String w : List.of(
                    "INSERT INTO " + SCHEMA + ".reader_projects (role_name, project_id) VALUES ('" + A + "', 'pb')",
                    "UPDATE " + SCHEMA + ".reader_projects SET project_id = 'pb'",
                    "UPDATE " + SCHEMA + ".user_metrics SET trace_count = 0",
                    "DELETE FROM " + SCHEMA + ".user_metrics",
                    "DELETE FROM " + SCHEMA + ".user_metrics_by_day",
                    "UPDATE " + SCHEMA + ".project_user_counts SET \"totalUsers\" = 0",
                    "INSERT INTO " + SCHEMA + ".project_users (project_id, environment, user_count, updated_at) "
                            + "VALUES ('pa', 'x', 1, now())",
                    "UPDATE " + SCHEMA + ".writer_claim SET epoch = 0")) {
                assertThatThrownBy(() -> s.executeUpdate(w)).as(w).hasMessageContaining("permission denied");
            }
            s.execute("RESET ROLE");
        }
    }
}
